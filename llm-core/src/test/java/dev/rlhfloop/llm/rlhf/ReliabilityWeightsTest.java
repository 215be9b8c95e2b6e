package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Pairs weighted by their raters' reliability in the reward model's and DPO's losses. */
class ReliabilityWeightsTest {

    private static final double[] WEIGHTS = {0.2, 1.7, 0.0};

    private static List<TokenizedPreference> weightedPairs(long seed) {
        List<TokenizedPreference> pairs = new ArrayList<>();
        List<TokenizedPreference> random = RlhfFixtures.randomPairs(new Random(seed), WEIGHTS.length, 13);
        for (int i = 0; i < WEIGHTS.length; i++) pairs.add(random.get(i).withWeight(WEIGHTS[i]));
        return pairs;
    }

    @Test
    void weightedLossIsTheMeanOfWeightedTermsAndItsGradientMatchesFiniteDifferences() {
        double[] scores = {3.0, -0.7, 0.4, 0.2, 1.1, -2.0};
        PairwiseLogistic result = PairwiseLogistic.of(scores, WEIGHTS);
        double expected = 0;
        for (int i = 0; i < 3; i++) expected += WEIGHTS[i] * PairwiseLogistic.softplus(-(scores[i] - scores[3 + i]));
        assertEquals(expected / 3, result.loss(), 1e-12);
        PairwiseLogisticTest.assertGradientMatchesFiniteDifferences(scores, WEIGHTS, 1.0);
        assertEquals(0.0, Math.abs(result.scoreGradient(1.0)[2]), "a pair of weight 0 has no gradient");
        assertEquals(PairwiseLogistic.of(scores).loss(), PairwiseLogistic.of(scores, new double[] {1, 1, 1}).loss(), 0.0,
                "weights of 1 are the plain mean, bit for bit");
    }

    @Test
    void weightedRewardModelGradientMatchesFiniteDifferences() {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(policy, 2);
        RewardModel model = RewardModel.fromPolicy(policy, 3);
        PairBatch pairs = PairBatch.collate(weightedPairs(4), RlhfFixtures.PAD, 12);
        model.zeroGrad();
        model.forwardBackward(pairs, 1.0);
        for (Parameter p : model.parameters()) {
            if (p.name().equals("ln_f.bias")) continue; // invisible to a pairwise loss (RewardModelTest)
            GradCheck.check("weighted reward model " + p.name(), p.data(), p.grad().clone(), () -> model.evaluate(pairs).loss(), 30);
        }
    }

    @Test
    void weightedDpoGradientMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(reference, 2);
        Gpt policy = reference.copy();
        RlhfFixtures.scaleUp(policy, 3);
        Dpo dpo = new Dpo(policy, reference, 0.5);
        PairBatch pairs = PairBatch.collate(weightedPairs(4), RlhfFixtures.PAD, 12);
        double[] referenceLogProbs = dpo.referenceLogProbs(pairs);
        policy.zeroGrad();
        dpo.forwardBackward(pairs, referenceLogProbs, 1.0);
        for (Parameter p : policy.parameters()) {
            GradCheck.check("weighted DPO " + p.name(), p.data(), p.grad().clone(), () -> dpo.evaluate(pairs, referenceLogProbs).loss(), 30);
        }
    }

    @Test
    void anUpdateScalesWeightsToAMeanOfOneOrIgnoresThemWhenOff() {
        List<TokenizedPreference> pairs = weightedPairs(5);
        List<TokenizedPreference> on = new PolicyUpdate(UpdateSettings.defaults().with(s -> s.weighByReliability = true)).weighted(pairs);
        assertEquals(3.0, on.stream().mapToDouble(TokenizedPreference::weight).sum(), 1e-12);
        assertEquals(1.7 / 0.2, on.get(1).weight() / on.get(0).weight(), 1e-9);
        List<TokenizedPreference> off = new PolicyUpdate(UpdateSettings.defaults()).weighted(pairs);
        assertTrue(off.stream().allMatch(p -> p.weight() == 1.0));
        List<TokenizedPreference> allZero = pairs.stream().map(p -> p.withWeight(0)).toList();
        assertTrue(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.weighByReliability = true)).weighted(allZero).stream()
                .allMatch(p -> p.weight() == 1.0), "no weight anywhere: nothing to tell the pairs apart by");
        assertThrows(IllegalArgumentException.class, () -> pairs.get(0).withWeight(-1));
    }

    @Test
    void equalWeightsTrainBitForBitAsNoWeightsAndUnequalOnesDoNot() {
        UpdateSettings on = UpdateSettings.defaults().with(s -> {
            s.weighByReliability = true;
            s.batchSize = 4;
            s.dpo.epochs = 1;
        });
        UpdateSettings off = on.with(s -> s.weighByReliability = false);
        List<TokenizedPreference> pairs = PolicyUpdateTest.pairs();
        Gpt plain = train(off, pairs);
        Gpt halves = train(on, pairs.stream().map(p -> p.withWeight(0.5)).toList());
        assertTrue(PolicyUpdateTest.sameWeights(plain.parameters(), halves.parameters()));
        List<TokenizedPreference> uneven = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) uneven.add(pairs.get(i).withWeight(i % 3 == 0 ? 0.1 : 1.0));
        assertFalse(PolicyUpdateTest.sameWeights(plain.parameters(), train(on, uneven).parameters()));
        assertTrue(PolicyUpdateTest.sameWeights(plain.parameters(), train(off, uneven).parameters()), "off: weights are ignored");
    }

    private static Gpt train(UpdateSettings settings, List<TokenizedPreference> pairs) {
        Gpt reference = Gpt.create(dev.rlhfloop.llm.model.GptConfig.of(48, 32, 16, 2, 1), 11);
        PolicyUpdate update = new PolicyUpdate(settings);
        Gpt policy = update.newPolicy(reference, 3);
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference, 1234), pairs, 47, 3,
                PolicyUpdate.Progress.NONE);
        assertEquals(pairs.size(), metrics.get("pairs"));
        return policy;
    }
}
