package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The trainer announces a DPO or KTO version before its reward model trains: the policy's part of the
 * update first, the reward model's after, must make both models bit for bit as {@link PolicyUpdate#run} does.
 */
class PolicyUpdateOrderTest {
    private static final GptConfig TINY = GptConfig.of(48, 32, 16, 2, 1);
    private static final int END_OF_TEXT = 47;
    private static final long SEED = 1234L * 1_000_003L + 2;

    private record Models(Gpt policy, RewardModel rewardModel, Map<String, Double> metrics) {}

    private static Models update(UpdateSettings settings, boolean policyFirst) {
        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(settings);
        Gpt policy = update.newPolicy(reference, SEED);
        RewardModel rewardModel = update.newRewardModel(reference, 1234);
        List<TokenizedPreference> pairs = PolicyUpdateTest.pairs();
        List<TokenizedFeedback> ratings = settings.algorithm() == PolicyAlgorithm.KTO ? TokenizedFeedback.fromPairs(pairs) : null;
        Map<String, Double> metrics;
        if (policyFirst) {
            metrics = new HashMap<>(update.runPolicy(policy, reference, rewardModel, null, pairs, ratings, List.of(), END_OF_TEXT, SEED,
                    PolicyUpdate.Progress.NONE));
            metrics.putAll(update.runRewardModel(rewardModel, pairs, END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE));
        } else {
            metrics = update.run(policy, reference, rewardModel, null, pairs, ratings, List.of(), END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        }
        return new Models(policy, rewardModel, metrics);
    }

    @Test
    void dpoAndKtoMakeTheSameModelsWithTheRewardModelTrainedAfterThePolicy() {
        UpdateSettings dpo = UpdateSettings.defaults().with(s -> s.batchSize = 4);
        UpdateSettings kto = dpo.with(s -> s.algorithm = PolicyAlgorithm.KTO);
        for (UpdateSettings settings : List.of(dpo, kto)) {
            assertFalse(new PolicyUpdate(settings).policyReadsRewardModel(), settings.algorithm().name());
            Models run = update(settings, false);
            Models split = update(settings, true);
            assertTrue(PolicyUpdateTest.sameWeights(run.policy().parameters(), split.policy().parameters()), settings.algorithm() + " policy");
            assertTrue(PolicyUpdateTest.sameWeights(run.rewardModel().backbone().parameters(), split.rewardModel().backbone().parameters()),
                    settings.algorithm() + " reward model's backbone");
            assertArrayEquals(run.rewardModel().head().data(), split.rewardModel().head().data(), settings.algorithm() + " reward model's head");
            assertEquals(run.metrics(), split.metrics());
            assertTrue(run.metrics().containsKey("rewardTrainAccuracy"), run.metrics().toString());
        }
    }

    @Test
    void algorithmsThatScoreWithTheRewardModelNeedItFirst() {
        for (PolicyAlgorithm algorithm : List.of(PolicyAlgorithm.RLOO, PolicyAlgorithm.PPO, PolicyAlgorithm.GRPO)) {
            assertTrue(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.algorithm = algorithm)).policyReadsRewardModel(), algorithm.name());
        }
        assertTrue(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.online.samples = 4)).policyReadsRewardModel(),
                "DPO's online pairs are labelled by the reward model");
    }
}
