package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RlooTest {

    private static final int TARGET = 5;

    /** A toy reward: the share of the answer's tokens that are {@link #TARGET}. */
    private static final Rloo.Reward TARGET_SHARE = (prompts, responses) -> {
        double[] rewards = new double[responses.size()];
        for (int r = 0; r < rewards.length; r++) {
            int[] response = responses.get(r);
            int hits = 0;
            for (int token : response) {
                hits += token == TARGET ? 1 : 0;
            }
            rewards[r] = (double) hits / response.length;
        }
        return rewards;
    };

    private static List<int[]> prompts(Random random, int count) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            prompts.add(RlhfFixtures.randomIds(random, 2 + random.nextInt(3), 16));
        }
        return prompts;
    }

    /** Mean reward of fixed-seed samples at temperature 1: the same draws before and after training. */
    private static double meanReward(Gpt policy, List<int[]> prompts) {
        Generator generator = new Generator(policy);
        List<int[]> rowPrompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) {
            for (int s = 0; s < 8; s++) {
                rowPrompts.add(prompts.get(p));
                responses.add(generator.generate(prompts.get(p), new SamplingSettings(1f, 0, 1f, 6, 1000L * p + s, -1)).newTokens());
            }
        }
        double sum = 0;
        for (double r : TARGET_SHARE.score(rowPrompts, responses)) {
            sum += r;
        }
        return sum / responses.size();
    }

    @Test
    void aFewStepsRaiseTheMeanRewardWhileTheKlStaysSmall() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        List<int[]> train = prompts(new Random(2), 4);
        List<int[]> eval = prompts(new Random(3), 6);
        double before = meanReward(policy, eval);
        RlooSettings settings = UpdateSettings.defaults().rlooSettings(64, 123).with(s -> {
            s.learningRate = 1e-2f;
            s.maxNewTokens = 6;
            s.klCoefficient = 0.01;
        });
        Rloo rloo = new Rloo(policy, reference, TARGET_SHARE, settings, -1);
        List<Rloo.Metrics> steps = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            steps.add(rloo.step(train));
        }
        double after = meanReward(policy, eval);
        assertTrue(after > before + 0.2, "mean reward on held-out prompts " + before + " -> " + after + "; steps " + steps);
        assertEquals(12, rloo.steps());
        assertTrue(steps.get(11).kl() > 0, "the policy moved away from the reference: " + steps.get(11));
        assertEquals(6.0, steps.get(0).responseLength(), 1e-9);
    }

    @Test
    void theKlPenaltyHoldsThePolicyNearTheReference() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 4);
        List<int[]> train = prompts(new Random(5), 4);
        RlooSettings settings = UpdateSettings.defaults().rlooSettings(64, 123).with(s -> {
            s.learningRate = 1e-2f;
            s.maxNewTokens = 6;
        });
        Gpt free = reference.copy();
        Gpt held = reference.copy();
        Rloo unpenalised = new Rloo(free, reference, TARGET_SHARE, settings.with(s -> s.klCoefficient = 0), -1);
        Rloo penalised = new Rloo(held, reference, TARGET_SHARE, settings.with(s -> s.klCoefficient = 2.0), -1);
        double freeKl = 0;
        double heldKl = 0;
        for (int i = 0; i < 10; i++) {
            freeKl = unpenalised.step(train).kl();
            heldKl = penalised.step(train).kl();
        }
        assertTrue(heldKl < freeKl, "KL with penalty " + heldKl + " vs without " + freeKl);
    }

    @Test
    void isRepeatableForASeed() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 6);
        List<int[]> train = prompts(new Random(7), 2);
        RlooSettings settings = UpdateSettings.defaults().rlooSettings(64, 123).with(s -> {
            s.learningRate = 1e-3f;
            s.maxNewTokens = 4;
        });
        Gpt a = reference.copy();
        Gpt b = reference.copy();
        Rloo first = new Rloo(a, reference, TARGET_SHARE, settings, 0);
        Rloo second = new Rloo(b, reference, TARGET_SHARE, settings, 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(first.step(train), second.step(train));
        }
        assertArrayEquals(a.parameters().get(0).data(), b.parameters().get(0).data());
    }

    @Test
    void aRewardModelIsAReward() {
        Gpt policy = Gpt.create(RlhfFixtures.small(), 8);
        RewardModel model = RewardModel.fromPolicy(policy, 9);
        int[] prompt = {3, 4};
        int[] answer = {5, 6, 7};
        double[] scores = Rloo.Reward.of(model).score(List.of(prompt, prompt), List.of(answer, new int[] {5}));
        double[] pairRewards = model.rewards(PairBatch.collate(List.of(new TokenizedPreference(prompt, answer, new int[] {5})), 0, 16));
        assertArrayEquals(pairRewards, scores, 1e-5);
    }

    @Test
    void rejectsPromptsWithoutRoomToAnswer() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Rloo rloo = new Rloo(reference.copy(), reference, TARGET_SHARE, UpdateSettings.defaults().rlooSettings(64, 123).with(s -> s.maxNewTokens = 8), -1);
        assertThrows(IllegalArgumentException.class, () -> rloo.step(List.of(new int[12])));
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().rlooSettings(64, 123).with(s -> s.samples = 1));
    }
}
