package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PairBatchTest {

    private static final int I = Batch.IGNORE;

    @Test
    void stacksChosenThenRejectedWithOnlyAnswerTargets() {
        PairBatch pairs = PairBatch.collate(List.of(
                new TokenizedPreference(new int[] {5, 6}, new int[] {7, 8, 9}, new int[] {3}),
                new TokenizedPreference(new int[] {4}, new int[] {2}, new int[] {1, 1})), 0, 100);
        assertEquals(2, pairs.pairs());
        assertEquals(4, pairs.batch().batchSize());
        assertEquals(5, pairs.batch().length());
        assertArrayEquals(new int[] {
                5, 6, 7, 8, 9,
                4, 2, 0, 0, 0,
                5, 6, 3, 0, 0,
                4, 1, 1, 0, 0}, pairs.batch().inputs());
        assertArrayEquals(new int[] {
                I, 7, 8, 9, I,
                2, I, I, I, I,
                I, 3, I, I, I,
                1, 1, I, I, I}, pairs.batch().targets());
        assertArrayEquals(new int[] {4, 1, 2, 2}, pairs.lastPositions());
    }

    @Test
    void aRejectedAnswerFollowsItsOwnPromptAndPairsCarryTheirWeights() {
        // a follow-up: each side continued its own conversation
        PairBatch pairs = PairBatch.collate(List.of(
                new TokenizedPreference(new int[] {5, 6}, new int[] {7}, new int[] {3}, 0.25, new int[] {5, 8, 8})), 0, 100);
        assertArrayEquals(new int[] {5, 6, 7, 0, 5, 8, 8, 3}, pairs.batch().inputs());
        assertArrayEquals(new int[] {I, 7, I, I, I, I, 3, I}, pairs.batch().targets());
        assertArrayEquals(new double[] {0.25}, pairs.weights());
    }

    @Test
    void truncatesLongSequencesAtTheEnd() {
        PairBatch pairs = PairBatch.collate(List.of(new TokenizedPreference(new int[] {5, 6, 7}, new int[] {1, 2, 3}, new int[] {4})), 0, 4);
        assertEquals(4, pairs.batch().length());
        assertArrayEquals(new int[] {5, 6, 7, 1, 5, 6, 7, 4}, pairs.batch().inputs());
        assertArrayEquals(new int[] {I, I, 1, I, I, I, 4, I}, pairs.batch().targets());
    }

    @Test
    void rowSumsAndTheirGradientFollowTheMask() {
        PairBatch pairs = PairBatch.collate(List.of(new TokenizedPreference(new int[] {5}, new int[] {1, 2}, new int[] {3})), 0, 10);
        float[] logProbs = {-1f, -2f, 0f, -4f, 0f, 0f};
        assertArrayEquals(new double[] {-3, -4}, pairs.sequenceSums(logProbs), 1e-9);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f, -1f, 0f, 0f}, pairs.perTokenGradient(new double[] {0.5, -1}));
    }

    @Test
    void rejectsEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> PairBatch.collate(List.of(), 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new TokenizedPreference(new int[] {1}, new int[0], new int[] {2}));
    }
}
