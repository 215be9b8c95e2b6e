package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.Forks;
import org.junit.jupiter.api.Test;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PairBatchTest {

    private static final int I = Batch.IGNORE;

    @Test
    void eachPairIsOneRowWhoseRejectedAnswerFollowsTheSharedPrompt() {
        PairBatch pairs = PairBatch.collate(List.of(
                new TokenizedPreference(new int[] {5, 6}, new int[] {7, 8, 9}, new int[] {3}),
                new TokenizedPreference(new int[] {4}, new int[] {2}, new int[] {1, 1})), 0, 100);
        assertEquals(2, pairs.pairs());
        assertEquals(2, pairs.batch().batchSize());
        assertEquals(7, pairs.batch().length());
        // the rejected sequence shares the prompt but its last token, which predicts the answer's first
        assertArrayEquals(new int[] {
                5, 6, 7, 8, 9, 6, 3,
                4, 2, 4, 1, 1, 0, 0}, pairs.batch().inputs());
        assertArrayEquals(new int[] {
                I, 7, 8, 9, I, 3, I,
                2, I, 1, 1, I, I, I}, pairs.batch().targets());
        Forks forks = pairs.batch().forks();
        assertArrayEquals(new int[] {1, 0}, forks.shared());
        assertArrayEquals(new int[] {5, 2}, forks.second());
        assertArrayEquals(new int[] {7, 5}, forks.end());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 1, 2}, positions(forks, 0, 7));
        assertArrayEquals(new int[] {0, 1, 0, 1, 2, 0, 0}, positions(forks, 1, 7));
        assertArrayEquals(new int[] {4, 8, 6, 11}, pairs.lastTokens());
        assertEquals(7, PairBatch.rowLength(new TokenizedPreference(new int[] {5, 6}, new int[] {7, 8, 9}, new int[] {3}), 100));
    }

    @Test
    void aRejectedAnswerFollowsItsOwnPromptAndPairsCarryTheirWeights() {
        // a follow-up: each side continued its own conversation, and they share only the first token
        PairBatch pairs = PairBatch.collate(List.of(
                new TokenizedPreference(new int[] {5, 6}, new int[] {7}, new int[] {3}, 0.25, new int[] {5, 8, 8})), 0, 100);
        assertArrayEquals(new int[] {5, 6, 7, 8, 8, 3}, pairs.batch().inputs());
        assertArrayEquals(new int[] {I, 7, I, I, 3, I}, pairs.batch().targets());
        assertArrayEquals(new int[] {0, 1, 2, 1, 2, 3}, positions(pairs.batch().forks(), 0, 6));
        assertArrayEquals(new double[] {0.25}, pairs.weights());
    }

    @Test
    void truncatesLongSequencesAtTheEnd() {
        PairBatch pairs = PairBatch.collate(List.of(new TokenizedPreference(new int[] {5, 6, 7}, new int[] {1, 2, 3}, new int[] {4})), 0, 4);
        assertEquals(6, pairs.batch().length());
        assertArrayEquals(new int[] {5, 6, 7, 1, 7, 4}, pairs.batch().inputs());
        assertArrayEquals(new int[] {I, I, 1, I, 4, I}, pairs.batch().targets());
        assertEquals(3, pairs.batch().forks().maxPosition());
    }

    @Test
    void sequenceSumsAndTheirGradientFollowTheMask() {
        PairBatch pairs = PairBatch.collate(List.of(new TokenizedPreference(new int[] {5}, new int[] {1, 2}, new int[] {3})), 0, 10);
        assertArrayEquals(new int[] {1, 2, I, 3, I}, pairs.batch().targets());
        float[] logProbs = {-1f, -2f, 0f, -4f, 0f};
        assertArrayEquals(new double[] {-3, -4}, pairs.sequenceSums(logProbs), 1e-9);
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f, -1f, 0f}, pairs.perTokenGradient(new double[] {0.5, -1}));
    }

    /**
     * The shared prompt is a layout, not an approximation: each answer's log-probability, and the
     * gradient of any objective of them, equal those of the answer's sequence in a row of its own.
     * Pairs of several prompt lengths (one of a single token, which shares nothing), a follow-up
     * whose rejected answer continues its own prompt, and one cut at the context.
     */
    @Test
    void eachSequenceGetsWhatItGetsInARowOfItsOwn() {
        Random random = new Random(21);
        GptConfig config = RlhfFixtures.tiny();
        Gpt gpt = scaledTiny(22);
        List<TokenizedPreference> pairs = new ArrayList<>(RlhfFixtures.randomPairs(random, 5, config.vocabSize()));
        pairs.add(new TokenizedPreference(new int[] {3, 4, 5, 6, 7}, new int[] {8, 9}, new int[] {2, 2, 2}));
        pairs.add(new TokenizedPreference(new int[] {3, 4, 5}, new int[] {8, 9}, new int[] {2}, 1.0, new int[] {3, 4, 9, 9, 10}));
        pairs.add(new TokenizedPreference(RlhfFixtures.randomIds(random, 8, config.vocabSize()), RlhfFixtures.randomIds(random, 7, 13),
                RlhfFixtures.randomIds(random, 2, 13)));
        int maxLength = config.contextLength();
        PairBatch forked = PairBatch.collate(pairs, RlhfFixtures.PAD, maxLength);
        double[] dSums = new double[2 * pairs.size()];
        for (int i = 0; i < dSums.length; i++) dSums[i] = random.nextGaussian();

        double[] forkedSums = forked.sequenceSums(gpt.tokenLogProbs(forked.batch()));
        gpt.zeroGrad();
        gpt.backwardLogProbs(forked.perTokenGradient(dSums));
        List<float[]> forkedGrads = gradients(gpt);

        Batch separate = stacked(pairs, maxLength);
        float[] logProbs = gpt.tokenLogProbs(separate);
        float[] dTokens = new float[separate.tokens()];
        for (int row = 0; row < separate.batchSize(); row++) {
            double sum = 0;
            for (int t = 0; t < separate.length(); t++) {
                int at = row * separate.length() + t;
                sum += logProbs[at];
                if (separate.targets()[at] != I) dTokens[at] = (float) dSums[row];
            }
            assertEquals(sum, forkedSums[row], 1e-4, "sequence " + row);
        }
        gpt.zeroGrad();
        gpt.backwardLogProbs(dTokens);
        List<float[]> separateGrads = gradients(gpt);
        for (int p = 0; p < separateGrads.size(); p++) {
            float[] expected = separateGrads.get(p);
            float[] actual = forkedGrads.get(p);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-4 * (1 + Math.abs(expected[i])), gpt.parameters().get(p).name() + "[" + i + "]");
            }
        }
    }

    @Test
    void aRewardModelScoresEachSequenceAsInARowOfItsOwn() {
        Random random = new Random(31);
        GptConfig config = RlhfFixtures.tiny();
        RewardModel rewardModel = RewardModel.fromPolicy(scaledTiny(32), 34);
        List<TokenizedPreference> pairs = RlhfFixtures.randomPairs(random, 6, config.vocabSize());
        double[] rewards = rewardModel.rewards(PairBatch.collate(pairs, RlhfFixtures.PAD, config.contextLength()));
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (TokenizedPreference pair : pairs) {
            prompts.add(pair.prompt());
            answers.add(pair.chosen());
        }
        for (TokenizedPreference pair : pairs) {
            prompts.add(pair.rejectedPrompt());
            answers.add(pair.rejected());
        }
        assertArrayEquals(rewardModel.score(prompts, answers), rewards, 1e-4);
    }

    /** A tiny model with weights large enough that every answer's numbers differ. */
    private static Gpt scaledTiny(long seed) {
        Gpt gpt = Gpt.create(RlhfFixtures.tiny(), seed);
        RlhfFixtures.scaleUp(gpt, seed + 1);
        return gpt;
    }

    /** The pairs as separate rows: chosen sequences, then rejected ones, each padded to the longest. */
    private static Batch stacked(List<TokenizedPreference> pairs, int maxLength) {
        int n = pairs.size();
        List<int[]> sequences = new ArrayList<>();
        List<Integer> promptLengths = new ArrayList<>();
        for (TokenizedPreference pair : pairs) {
            sequences.add(concat(pair.prompt(), pair.chosen(), maxLength));
            promptLengths.add(pair.prompt().length);
        }
        for (TokenizedPreference pair : pairs) {
            sequences.add(concat(pair.rejectedPrompt(), pair.rejected(), maxLength));
            promptLengths.add(pair.rejectedPrompt().length);
        }
        int length = sequences.stream().mapToInt(q -> q.length).max().orElseThrow();
        int[] inputs = new int[2 * n * length];
        int[] targets = new int[2 * n * length];
        for (int row = 0; row < 2 * n; row++) {
            int[] sequence = sequences.get(row);
            for (int t = 0; t < length; t++) {
                inputs[row * length + t] = t < sequence.length ? sequence[t] : RlhfFixtures.PAD;
                boolean answer = t + 1 < sequence.length && t + 1 >= promptLengths.get(row);
                targets[row * length + t] = answer ? sequence[t + 1] : I;
            }
        }
        return new Batch(2 * n, length, inputs, targets);
    }

    private static int[] concat(int[] prompt, int[] answer, int maxLength) {
        int[] sequence = new int[Math.min(maxLength, prompt.length + answer.length)];
        for (int t = 0; t < sequence.length; t++) sequence[t] = t < prompt.length ? prompt[t] : answer[t - prompt.length];
        return sequence;
    }

    private static List<float[]> gradients(Gpt gpt) {
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : gpt.parameters()) grads.add(p.grad().clone());
        return grads;
    }

    private static int[] positions(Forks forks, int row, int length) {
        int[] positions = new int[length];
        for (int t = 0; t < length; t++) positions[t] = forks.position(row, t);
        return positions;
    }

    @Test
    void rejectsEmptyInput() {
        assertThrows(IllegalArgumentException.class, () -> PairBatch.collate(List.of(), 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new TokenizedPreference(new int[] {1}, new int[0], new int[] {2}));
    }
}
