package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CandidateChoiceTest {

    @Test
    void bestIsTheHighestRewardAndTheFirstOnATie() {
        assertEquals(2, CandidateChoice.best(new double[] {0.1, -3, 2.5, 1}));
        assertEquals(1, CandidateChoice.best(new double[] {-1, 4, 4, 0}));
        assertEquals(0, CandidateChoice.best(new double[] {7}));
        assertEquals(1, CandidateChoice.best(new double[] {Double.NaN, -9}));
        assertThrows(IllegalArgumentException.class, () -> CandidateChoice.best(new double[0]));
    }

    @Test
    void preferenceIsBradleyTerrys() {
        assertEquals(0.5, CandidateChoice.preference(1.3, 1.3), 1e-12);
        assertEquals(1 / (1 + Math.exp(-2)), CandidateChoice.preference(3, 1), 1e-12);
        assertEquals(1, CandidateChoice.preference(3, 1) + CandidateChoice.preference(1, 3), 1e-12);
    }

    @Test
    void leastCertainPairIsTheOneNearestACoinFlip() {
        // rewards 0, 3, 3.2, 10: the closest pair is (1, 2), preference σ(−0.2)
        CandidateChoice.Pair pair = CandidateChoice.leastCertain(new double[] {0, 3, 3.2, 10}, List.of("a", "b", "c", "d"));
        assertEquals(1, pair.first());
        assertEquals(2, pair.second());
        assertEquals(1 / (1 + Math.exp(0.2)), pair.preference(), 1e-12);
        assertEquals(0.5 - pair.preference(), pair.certainty(), 1e-12);
    }

    @Test
    void mostCertainPairIsTheOneFarthestFromACoinFlip() {
        // rewards 0, 3, 3.2, 10 for different answers: the widest pair is (0, 3); with 0 and 10 the same answer, (1, 3)
        CandidateChoice.Pair pair = CandidateChoice.mostCertain(new double[] {0, 3, 3.2, 10}, List.of("a", "b", "c", "d"));
        assertEquals(0, pair.first());
        assertEquals(3, pair.second());
        pair = CandidateChoice.mostCertain(new double[] {0, 3, 3.2, 10}, List.of("same", "b", "c", "same"));
        assertEquals(1, pair.first());
        assertEquals(3, pair.second());
    }

    @Test
    void leastCertainPairSkipsTheSameAnswerTwice() {
        // b and c are the same text with the same reward: a sure tie that teaches nothing
        CandidateChoice.Pair pair = CandidateChoice.leastCertain(new double[] {0, 3, 3, 3.5}, List.of("a", "same", "same", "d"));
        assertEquals(1, pair.first());
        assertEquals(3, pair.second());
        assertNull(CandidateChoice.leastCertain(new double[] {1, 2}, List.of("x", "x")));
        assertThrows(IllegalArgumentException.class, () -> CandidateChoice.leastCertain(new double[] {1, 2}, List.of("x")));
    }

    @Test
    void leastCertainPairAcrossTwoVersionsTakesOneFromEach() {
        CandidateChoice.Pair pair = CandidateChoice.leastCertain(new double[] {0, 5}, List.of("a", "b"),
                new double[] {-4, 4.9, 8}, List.of("c", "b", "e"));
        // (1, 1) would be nearest but is the same answer; next is (1, 2) at 5 − 8 = −3 (then (0, 0) at 0 − (−4) = 4)
        assertEquals(1, pair.first());
        assertEquals(2, pair.second());
        assertEquals(CandidateChoice.preference(5, 8), pair.preference(), 1e-12);
    }

    @Test
    void scoresCandidatesAsTheTrainerCutsPairs() {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 21);
        RlhfFixtures.scaleUp(policy, 22);
        RewardModel model = RewardModel.fromPolicy(policy, 23);
        int context = policy.config().contextLength();
        Random random = new Random(24);
        int[] prompt = RlhfFixtures.randomIds(random, context, 13); // a full context: must be cut
        List<int[]> candidates = List.of(RlhfFixtures.randomIds(random, 3, 13), RlhfFixtures.randomIds(random, context, 13));
        double[] rewards = CandidateChoice.score(model, prompt, candidates);
        for (int i = 0; i < candidates.size(); i++) {
            TokenizedPreference fitted = PolicyUpdate.fit(prompt, candidates.get(i), new int[] {1}, context, 13);
            int[] answer = fitted.chosen();
            int[] cutPrompt = Arrays.copyOfRange(prompt, prompt.length - (context - answer.length), prompt.length);
            assertArrayEquals(new double[] {rewards[i]}, model.score(List.of(cutPrompt), List.of(answer)), 1e-9);
        }
    }
}
