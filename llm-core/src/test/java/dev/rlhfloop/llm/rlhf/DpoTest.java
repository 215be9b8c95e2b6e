package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DpoTest {

    @Test
    void lossGradientWithRespectToThePolicyMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(reference, 2);
        Gpt policy = reference.copy();
        RlhfFixtures.scaleUp(policy, 3); // away from the reference, so the log-ratios and the sigmoid are not trivial
        Dpo dpo = new Dpo(policy, reference, 0.5);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(4), 3, 13), RlhfFixtures.PAD, 12);
        double[] referenceLogProbs = dpo.referenceLogProbs(pairs);
        policy.zeroGrad();
        dpo.forwardBackward(pairs, referenceLogProbs, 1.0);
        for (Parameter p : policy.parameters()) {
            GradCheck.check("DPO " + p.name(), p.data(), p.grad().clone(), () -> dpo.evaluate(pairs, referenceLogProbs).loss(), 30);
        }
    }

    @Test
    void startsAtLogTwoWithZeroRewardsAndNoKl() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 5);
        RlhfFixtures.scaleUp(reference, 6);
        Dpo dpo = new Dpo(reference.copy(), reference, 0.1);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(7), 4, 13), 0, 12);
        PreferenceMetrics metrics = dpo.evaluate(pairs, dpo.referenceLogProbs(pairs));
        assertEquals(Math.log(2), metrics.loss(), 1e-9);
        assertEquals(0, metrics.chosenReward(), 1e-9);
        assertEquals(0, metrics.rejectedReward(), 1e-9);
        assertEquals(0, metrics.margin(), 1e-9);
        assertEquals(0, dpo.klToReference(pairs), 1e-9);
    }

    @Test
    void klToReferenceMatchesADirectComputation() {
        float[] p = {1f, 2f, 0f, 5f, 5f, 5f};
        float[] q = {0f, 0f, 0f, 5f, 5f, 5f};
        double z = Math.exp(1) + Math.exp(2) + 1;
        double expected = 0;
        for (double logit : new double[] {1, 2, 0}) {
            double pi = Math.exp(logit) / z;
            expected += pi * Math.log(pi / (1.0 / 3));
        }
        assertEquals(expected, Kl.ofLogits(p, q, 0, 3), 1e-7);
        assertEquals(0, Kl.ofLogits(p, q, 3, 3), 1e-12);
    }

    @Test
    void refusesThePolicyAsItsOwnReference() {
        Gpt gpt = Gpt.create(RlhfFixtures.tiny(), 1);
        assertThrows(IllegalArgumentException.class, () -> new Dpo(gpt, gpt, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new Dpo(gpt, gpt.copy(), 0));
    }

    @Test
    void referenceLogProbsAreTheSummedAnswerLogProbs() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 8);
        RlhfFixtures.scaleUp(reference, 9);
        Dpo dpo = new Dpo(reference.copy(), reference, 0.1);
        TokenizedPreference pair = new TokenizedPreference(new int[] {3, 4}, new int[] {5, 6}, new int[] {7});
        double[] sums = dpo.referenceLogProbs(PairBatch.collate(java.util.List.of(pair), 0, 12));
        // chosen: log p(5 | 3 4) + log p(6 | 3 4 5), from the full logits
        float[] logits = reference.forward(new int[] {3, 4, 5}, 1, 3);
        int v = reference.config().vocabSize();
        double expected = logSoftmax(logits, 1 * v, v, 5) + logSoftmax(logits, 2 * v, v, 6);
        assertEquals(expected, sums[0], 1e-4);
        assertTrue(sums[1] < 0);
    }

    private static double logSoftmax(float[] logits, int at, int n, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, logits[at + j]);
        double sum = 0;
        for (int j = 0; j < n; j++) sum += Math.exp(logits[at + j] - max);
        return logits[at + target] - max - Math.log(sum);
    }
}
