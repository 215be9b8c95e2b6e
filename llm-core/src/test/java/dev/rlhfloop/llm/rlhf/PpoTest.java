package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.sample.SequenceLogProbs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PpoTest {

    private static final int TARGET = 5;

    /** Answers of 1–4 tokens to prompts of 1–3, so padding and masking matter. */
    private static Batch randomRollout(Random random, int rows, int vocab) {
        List<int[]> prompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            prompts.add(RlhfFixtures.randomIds(random, 1 + random.nextInt(3), vocab));
            responses.add(RlhfFixtures.randomIds(random, 1 + random.nextInt(4), vocab));
        }
        return SequenceLogProbs.pack(prompts, responses, RlhfFixtures.PAD, 12);
    }

    private static double[] gaussians(Random random, Batch batch, double scale) {
        double[] values = new double[batch.tokens()];
        for (int at = 0; at < values.length; at++) {
            values[at] = batch.targets()[at] == Batch.IGNORE ? 0 : random.nextGaussian() * scale;
        }
        return values;
    }

    /**
     * The old log-probabilities sit ±0.05 (ratio inside the clip range) or ±0.6 (far outside it)
     * from the policy's, so a finite-difference step never crosses the clip's kink and both the
     * clipped (flat) and the unclipped tokens are checked.
     */
    @Test
    void policyLossGradientMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(reference, 2);
        Gpt policy = reference.copy();
        RlhfFixtures.scaleUp(policy, 3);
        Ppo ppo = new Ppo(policy, reference, ValueModel.fromBackbone(reference), RlhfFixtures.tokenShare(TARGET),
                UpdateSettings.defaults().ppoSettings(64, 123), -1);
        Random random = new Random(4);
        Batch batch = randomRollout(random, 4, 13);
        float[] old = RlhfFixtures.shiftedLogProbs(policy.tokenLogProbs(batch), batch, random, -0.6, -0.05, 0.05, 0.6);
        Ppo.Rollout rollout = new Ppo.Rollout(batch, old, gaussians(random, batch, 1), new double[batch.tokens()], new double[batch.tokens()]);
        policy.zeroGrad();
        ClippedSurrogate.Loss loss = ppo.policyLoss(rollout, true);
        assertTrue(loss.clipFraction() > 0 && loss.clipFraction() < 1, "some tokens clipped, some not: " + loss);
        for (Parameter p : policy.parameters()) {
            GradCheck.check("PPO policy " + p.name(), p.data(), p.grad().clone(), () -> ppo.policyLoss(rollout, false).loss(), 30);
        }
    }

    /** As above for the critic: old values ±0.05 (inside the value clip range) or ±0.5 (outside) from the current ones. */
    @Test
    void valueLossGradientMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 5);
        RlhfFixtures.scaleUp(reference, 6);
        ValueModel critic = ValueModel.fromRewardModel(RewardModel.fromPolicy(reference, 7));
        Ppo ppo = new Ppo(reference.copy(), reference, critic, RlhfFixtures.tokenShare(TARGET), UpdateSettings.defaults().ppoSettings(64, 123), -1);
        Random random = new Random(8);
        Batch batch = randomRollout(random, 4, 13);
        double[] values = critic.values(batch);
        double[] old = new double[values.length];
        double[] offsets = {-0.5, -0.05, 0.05, 0.5};
        for (int at = 0; at < old.length; at++) {
            old[at] = values[at] + offsets[random.nextInt(offsets.length)];
        }
        Ppo.Rollout rollout = new Ppo.Rollout(batch, new float[batch.tokens()], new double[batch.tokens()], gaussians(random, batch, 1), old);
        critic.zeroGrad();
        ppo.valueLoss(rollout, true);
        for (Parameter p : critic.parameters()) {
            GradCheck.check("PPO value " + p.name(), p.data(), p.grad().clone(), () -> ppo.valueLoss(rollout, false), 30);
        }
    }

    /** A critic from a reward model starts where the reward model is: its value at a sequence's last token is the reward. */
    @Test
    void aCriticFromARewardModelScoresLikeItAndSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
        Gpt gpt = Gpt.create(RlhfFixtures.tiny(), 9);
        RlhfFixtures.scaleUp(gpt, 10);
        RewardModel rewardModel = RewardModel.fromPolicy(gpt, 11);
        ValueModel critic = ValueModel.fromRewardModel(rewardModel);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(12), 3, 13), RlhfFixtures.PAD, 12);
        double[] rewards = rewardModel.rewards(pairs);
        double[] values = critic.values(pairs.batch());
        for (int row = 0; row < rewards.length; row++) {
            assertEquals(rewards[row], values[pairs.lastTokens()[row]], 1e-5);
        }
        critic.parameters().get(critic.parameters().size() - 1).data()[0] = 0.25f; // the bias, which a reward model lacks
        double[] shifted = critic.values(pairs.batch()).clone();
        critic.save(dir.resolve("critic"));
        assertArrayEquals(shifted, ValueModel.load(dir.resolve("critic")).values(pairs.batch()), 1e-6);
        assertEquals(values[0] + 0.25, shifted[0], 1e-5);
    }

    @Test
    void gaeSumsDiscountedTemporalDifferences() {
        double[] rewards = {0.1, -0.2, 1.0};
        double[] values = {0.5, 0.3, 0.4};
        // λ = 1, γ = 1: the return from t minus V_t
        assertArrayEquals(new double[] {0.9 - 0.5, 0.8 - 0.3, 1.0 - 0.4}, Ppo.gae(rewards, values, 1, 1), 1e-12);
        // λ = 0: the one-step temporal difference
        assertArrayEquals(new double[] {0.1 + 0.9 * 0.3 - 0.5, -0.2 + 0.9 * 0.4 - 0.3, 1.0 - 0.4}, Ppo.gae(rewards, values, 0.9, 0), 1e-12);
        // γ = 0.9, λ = 0.5 by the recursion
        double a2 = 1.0 - 0.4;
        double a1 = -0.2 + 0.9 * 0.4 - 0.3 + 0.45 * a2;
        double a0 = 0.1 + 0.9 * 0.3 - 0.5 + 0.45 * a1;
        assertArrayEquals(new double[] {a0, a1, a2}, Ppo.gae(rewards, values, 0.9, 0.5), 1e-12);
    }

    /**
     * A reward for the share of one token in the answer: after a few PPO steps the policy puts
     * several times more probability on it (exact probabilities on held-out prompts, no sampling).
     */
    @Test
    void aFewStepsMoveTheToyPolicyTowardsTheRewardedToken() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        List<int[]> train = RlhfFixtures.randomPrompts(new Random(2), 8, 16);
        List<int[]> eval = RlhfFixtures.randomPrompts(new Random(3), 16, 16);
        double before = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        PpoSettings settings = UpdateSettings.defaults().ppoSettings(64, 123).with(s -> {
            s.samples = 2;
            s.learningRate = 3e-3f;
            s.valueLearningRate = 3e-3f;
            s.maxNewTokens = 6;
            s.klCoefficient = 0.01;
        });
        Ppo ppo = new Ppo(policy, reference, ValueModel.fromBackbone(reference), RlhfFixtures.tokenShare(TARGET), settings, -1);
        List<Ppo.Metrics> steps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            steps.add(ppo.step(train));
        }
        double after = RlhfFixtures.meanFirstTokenProbability(policy, eval, TARGET);
        assertTrue(after > 3 * before, "P(target) on held-out prompts " + before + " -> " + after + "; steps " + steps);
        assertTrue(steps.get(9).reward() > steps.get(0).reward(), "reward rose: " + steps);
        assertTrue(steps.get(9).kl() > 0, "the policy moved away from the reference: " + steps.get(9));
        assertEquals(10, ppo.steps());
    }

    @Test
    void isRepeatableForASeed() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 6);
        List<int[]> train = RlhfFixtures.randomPrompts(new Random(7), 2, 16);
        PpoSettings settings = UpdateSettings.defaults().ppoSettings(64, 123).with(s -> {
            s.learningRate = 1e-3f;
            s.maxNewTokens = 4;
            s.epochs = 2;
        });
        Gpt a = reference.copy();
        Gpt b = reference.copy();
        Ppo first = Ppo.against(a, reference, RewardModel.fromPolicy(reference, 8), settings, 0);
        Ppo second = Ppo.against(b, reference, RewardModel.fromPolicy(reference, 8), settings, 0);
        for (int i = 0; i < 2; i++) {
            assertEquals(first.step(train), second.step(train));
        }
        assertArrayEquals(a.parameters().get(0).data(), b.parameters().get(0).data());
    }

    @Test
    void refusesBadSettingsAndASharedBackbone() {
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().ppoSettings(64, 123).with(s -> s.epochs = 0));
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().ppoSettings(64, 123).with(s -> s.clipRange = 0));
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        assertThrows(IllegalArgumentException.class, () -> new Ppo(reference, reference, ValueModel.fromBackbone(reference),
                RlhfFixtures.tokenShare(TARGET), UpdateSettings.defaults().ppoSettings(64, 123), -1));
    }
}
