package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.sample.SequenceLogProbs;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GrpoTest {

    private static final int TARGET = 5;

    /**
     * The policy is away from the reference (so the KL term has a gradient) and the old
     * log-probabilities sit ±0.05 or ±0.6 from the policy's, inside or far outside the clip range,
     * so a finite-difference step never crosses the clip's kink.
     */
    @Test
    void lossGradientMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(reference, 2);
        Gpt policy = reference.copy();
        RlhfFixtures.scaleUp(policy, 3);
        Grpo grpo = new Grpo(policy, reference, RlhfFixtures.tokenShare(TARGET), UpdateSettings.defaults().grpoSettings(64, 123).with(s -> s.klCoefficient = 0.3), -1);
        Random random = new Random(4);
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            prompts.add(RlhfFixtures.randomIds(random, 1 + random.nextInt(3), 13));
            responses.add(RlhfFixtures.randomIds(random, 1 + random.nextInt(4), 13));
        }
        Batch batch = SequenceLogProbs.pack(prompts, responses, RlhfFixtures.PAD, 12);
        float[] referenceLogProbs = reference.tokenLogProbs(batch).clone();
        float[] old = RlhfFixtures.shiftedLogProbs(policy.tokenLogProbs(batch), batch, random, -0.6, -0.05, 0.05, 0.6);
        double[] advantages = new double[batch.tokens()];
        double[] weights = new double[batch.tokens()];
        for (int r = 0; r < 4; r++) {
            double advantage = random.nextGaussian();
            for (int j = 0; j < responses.get(r).length; j++) {
                int at = r * batch.length() + prompts.get(r).length - 1 + j;
                advantages[at] = advantage;
                weights[at] = 1.0 / (4 * responses.get(r).length);
            }
        }
        Grpo.Rollout rollout = new Grpo.Rollout(batch, old, referenceLogProbs, advantages, weights);
        policy.zeroGrad();
        ClippedSurrogate.Loss loss = grpo.loss(rollout, true);
        assertTrue(loss.clipFraction() > 0 && loss.clipFraction() < 1, "some tokens clipped, some not: " + loss);
        for (Parameter p : policy.parameters()) {
            GradCheck.check("GRPO " + p.name(), p.data(), p.grad().clone(), () -> grpo.loss(rollout, false).loss(), 30);
        }
    }

    /** A reward for the share of one token: a few GRPO steps put several times more probability on it (exact, held-out prompts). */
    @Test
    void aFewStepsMoveTheToyPolicyTowardsTheRewardedToken() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        List<int[]> train = RlhfFixtures.randomPrompts(new Random(2), 4, 16);
        List<int[]> eval = RlhfFixtures.randomPrompts(new Random(3), 16, 16);
        double before = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        GrpoSettings settings = UpdateSettings.defaults().grpoSettings(64, 123).with(s -> {
            s.learningRate = 1e-2f;
            s.maxNewTokens = 6;
            s.klCoefficient = 0.01;
            s.epochs = 2;
        });
        Grpo grpo = new Grpo(policy, reference, RlhfFixtures.tokenShare(TARGET), settings, -1);
        List<Grpo.Metrics> steps = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            steps.add(grpo.step(train));
        }
        double after = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        assertTrue(after > 3 * before, "P(target) on held-out prompts " + before + " -> " + after + "; steps " + steps);
        assertTrue(steps.get(11).reward() > steps.get(0).reward(), "reward rose: " + steps);
        assertTrue(steps.get(11).kl() > 0, "the policy moved away from the reference: " + steps.get(11));
        assertEquals(6.0, steps.get(0).responseLength(), 1e-9);
    }

    /** A policy with LoRA adapters (the loop's LoRA versions): GRPO trains only them, and they move the toy policy. */
    @Test
    void withLoraOnlyTheAdaptersMove() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        policy.attachLora(LoraSettings.of(4).withAlpha(8), 5);
        List<int[]> eval = RlhfFixtures.randomPrompts(new Random(3), 16, 16);
        double before = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        Grpo grpo = new Grpo(policy, reference, RlhfFixtures.tokenShare(TARGET),
                UpdateSettings.defaults().grpoSettings(64, 123).with(s -> {
                    s.learningRate = 1e-2f;
                    s.maxNewTokens = 6;
                    s.klCoefficient = 0.01;
                }), -1);
        for (int i = 0; i < 8; i++) {
            grpo.step(RlhfFixtures.randomPrompts(new Random(2), 4, 16));
        }
        double after = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        // rank-4 adapters on a 32-wide model move it less than full weights do (×1.6 here, ×15 for full weights)
        assertTrue(after > 1.3 * before, "P(target) " + before + " -> " + after);
        for (int i = 0; i < reference.parameters().size(); i++) {
            assertArrayEquals(reference.parameters().get(i).data(), policy.parameters().get(i).data(),
                    policy.parameters().get(i).name() + " is frozen");
        }
    }

    /** Equal rewards in every group give no advantage, and at the reference the KL term has no gradient: nothing moves. */
    @Test
    void aGroupWithEqualRewardsLeavesThePolicyAlone() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 4);
        Gpt policy = reference.copy();
        Grpo grpo = new Grpo(policy, reference, (prompts, responses) -> new double[responses.size()],
                UpdateSettings.defaults().grpoSettings(64, 123).with(s -> {
                    s.learningRate = 1e-2f;
                    s.maxNewTokens = 4;
                }), -1);
        Grpo.Metrics metrics = grpo.step(RlhfFixtures.randomPrompts(new Random(5), 3, 16));
        assertEquals(0, metrics.rewardStd());
        assertEquals(0, metrics.loss(), 1e-12);
        for (int i = 0; i < policy.parameters().size(); i++) {
            assertArrayEquals(reference.parameters().get(i).data(), policy.parameters().get(i).data());
        }
    }

    @Test
    void isRepeatableForASeed() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 6);
        List<int[]> train = RlhfFixtures.randomPrompts(new Random(7), 2, 16);
        GrpoSettings settings = UpdateSettings.defaults().grpoSettings(64, 123).with(s -> {
            s.learningRate = 1e-3f;
            s.maxNewTokens = 4;
            s.epochs = 2;
        });
        Gpt a = reference.copy();
        Gpt b = reference.copy();
        Grpo first = new Grpo(a, reference, Rloo.Reward.of(RewardModel.fromPolicy(reference, 8)), settings, 0);
        Grpo second = new Grpo(b, reference, Rloo.Reward.of(RewardModel.fromPolicy(reference, 8)), settings, 0);
        for (int i = 0; i < 2; i++) {
            assertEquals(first.step(train), second.step(train));
        }
        assertArrayEquals(a.parameters().get(0).data(), b.parameters().get(0).data());
    }

    @Test
    void refusesGroupsOfOneAndPromptsWithoutRoomToAnswer() {
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().grpoSettings(64, 123).with(s -> s.samples = 1));
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Grpo grpo = new Grpo(reference.copy(), reference, RlhfFixtures.tokenShare(TARGET), UpdateSettings.defaults().grpoSettings(64, 123).with(s -> s.maxNewTokens = 8), -1);
        assertThrows(IllegalArgumentException.class, () -> grpo.step(List.of(new int[12])));
    }
}
