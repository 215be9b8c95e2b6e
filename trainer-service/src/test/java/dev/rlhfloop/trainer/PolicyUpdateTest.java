package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import java.nio.file.Path;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One policy update of a tiny random model, without Quarkus or Kafka: the trainer's real settings
 * (the {@code @ConfigMapping}'s defaults plus a few overrides), real reward-model training, real RLOO.
 */
class PolicyUpdateTest {
    private static final GptConfig TINY = GptConfig.of(48, 32, 16, 2, 1);
    private static final int END_OF_TEXT = 47;
    private static final long SEED = 1234L * 1_000_003L + 2;

    /** The trainer's settings as Quarkus would read them: the mapping's defaults, then {@code overrides}. */
    static TrainerConfig config(Map<String, String> overrides) {
        // Quarkus's converter reads "60s"; plain SmallRye wants ISO-8601 (max-wait plays no part here).
        Map<String, String> values = new HashMap<>(Map.of("rlhf.trainer.data-dir", "target/unused", "rlhf.trainer.max-wait", "PT1M"));
        values.putAll(overrides);
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(TrainerConfig.class)
                .withSources(new io.smallrye.config.PropertiesConfigSource(values, "test", 500))
                .build();
        return config.getConfigMapping(TrainerConfig.class);
    }

    private static final Map<String, String> SMALL_RLOO = Map.of(
            "rlhf.trainer.algorithm", "rloo",
            "rlhf.trainer.dpo.batch-size", "4",
            "rlhf.trainer.rloo.steps", "3",
            "rlhf.trainer.rloo.max-new-tokens", "6",
            "rlhf.trainer.rloo.learning-rate", "1e-3");

    /** Eight pairs on three prompts (two repeated); chosen answers hold token 5, rejected ones do not. */
    private static List<TokenizedPreference> pairs() {
        Random random = new Random(7);
        int[][] prompts = {{1, 2, 3}, {4, 9, 10, 11}, {12, 13}};
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int[] chosen = {5, 6 + random.nextInt(30), 5, END_OF_TEXT};
            int[] rejected = {6 + random.nextInt(30), 6 + random.nextInt(30), END_OF_TEXT};
            pairs.add(new TokenizedPreference(prompts[i % prompts.length], chosen, rejected));
        }
        return pairs;
    }

    private record Step(Algorithm stage, long step, long total, double loss) {}

    private record Result(Gpt policy, Map<String, Double> metrics, List<Step> steps) {}

    private static Result update(TrainerConfig config, Algorithm algorithm, long seed) {
        Gpt reference = Gpt.create(TINY, 11);
        Gpt policy = reference.copy();
        List<Step> steps = new ArrayList<>();
        PolicyUpdate update = new PolicyUpdate(config, algorithm);
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference), pairs(), END_OF_TEXT, seed,
                (stage, step, total, loss) -> steps.add(new Step(stage, step, total, loss)));
        return new Result(policy, metrics, steps);
    }

    private static boolean sameWeights(Gpt a, Gpt b) {
        List<Parameter> pa = a.parameters();
        List<Parameter> pb = b.parameters();
        for (int i = 0; i < pa.size(); i++) {
            if (!Arrays.equals(pa.get(i).data(), pb.get(i).data())) return false;
        }
        return true;
    }

    @Test
    void rlooTrainsTheRewardModelThenTakesRlooStepsAgainstIt() {
        TrainerConfig config = config(SMALL_RLOO);
        assertEquals(Algorithm.RLOO, PolicyUpdate.algorithmNamed(config.algorithm()).orElseThrow(), "'rloo' in lower case names it");
        Result result = update(config, Algorithm.RLOO, SEED);

        assertEquals(new TreeSet<>(Set.of("pairs", "prompts", "rewardAccuracy", "rewardLoss", "rewardTrainAccuracy", "rewardBefore",
                "reward", "kl", "totalReward", "responseLength", "rlooLoss")), new TreeSet<>(result.metrics().keySet()));
        assertEquals(8.0, result.metrics().get("pairs"));
        assertEquals(3.0, result.metrics().get("prompts"), "the batch's prompts, each once");
        double length = result.metrics().get("responseLength");
        assertTrue(length >= 1 && length <= 6, "answers stop at end-of-text or after max-new-tokens: " + length);
        assertEquals(result.metrics().get("reward") - 0.05 * result.metrics().get("kl"), result.metrics().get("totalReward"), 1e-9,
                "total reward = reward − β·KL: " + result.metrics());

        List<Step> rloo = result.steps().stream().filter(s -> s.stage() == Algorithm.RLOO).toList();
        assertEquals(List.of(1L, 2L, 3L), rloo.stream().map(Step::step).toList());
        assertTrue(rloo.stream().allMatch(s -> s.total() == 3 && Double.isFinite(s.loss())), rloo.toString());
        assertTrue(result.steps().stream().anyMatch(s -> s.stage() == Algorithm.REWARD_MODEL), "the reward model trains first");
        assertTrue(result.steps().stream().noneMatch(s -> s.stage() == Algorithm.DPO), "no DPO step: " + result.steps());

        assertFalse(sameWeights(result.policy(), Gpt.create(TINY, 11)), "the policy moved");
    }

    @Test
    void anRlooUpdateRepeatsBitForBitForTheSameSeedAndDiffersForAnother() {
        TrainerConfig config = config(SMALL_RLOO);
        Result first = update(config, Algorithm.RLOO, SEED);
        Result again = update(config, Algorithm.RLOO, SEED);
        assertTrue(sameWeights(first.policy(), again.policy()), "same pairs, seed and settings: same weights");
        assertEquals(first.metrics(), again.metrics());
        assertFalse(sameWeights(first.policy(), update(config, Algorithm.RLOO, SEED + 1).policy()), "another version's seed samples otherwise");
    }

    @Test
    void dpoIsStillTheDefaultAndKeepsItsMetrics() {
        TrainerConfig config = config(Map.of("rlhf.trainer.dpo.batch-size", "4"));
        assertEquals(Algorithm.DPO, PolicyUpdate.algorithmNamed(config.algorithm()).orElseThrow());
        Result result = update(config, Algorithm.DPO, SEED);
        assertTrue(result.metrics().keySet().containsAll(List.of("dpoLoss", "dpoLossBefore", "margin", "kl", "rewardAccuracy")),
                result.metrics().toString());
        assertFalse(result.metrics().containsKey("rlooLoss"));
        assertTrue(result.steps().stream().noneMatch(s -> s.stage() == Algorithm.RLOO));
        assertEquals(4, result.steps().stream().filter(s -> s.stage() == Algorithm.DPO).count(), "2 epochs of 2 batches of 4 pairs");
    }

    /**
     * A line's reward model carries from update to update: the second update trains the first's
     * further (its held-out accuracy is measured on a model that saw both batches), and a line
     * restarted from the saved reward model (a trainer killed between versions) takes exactly the
     * RLOO step one that never stopped takes.
     */
    @Test
    void theRewardModelCarriesAcrossUpdatesAndThroughItsSavedState(@TempDir Path dir) throws Exception {
        TrainerConfig config = config(SMALL_RLOO);
        PolicyUpdate update = new PolicyUpdate(config, Algorithm.RLOO);
        Gpt reference = Gpt.create(TINY, 11);
        Gpt policy = reference.copy();
        RewardModel rewardModel = update.newRewardModel(reference);
        update.run(policy, reference, rewardModel, pairs(), END_OF_TEXT, SEED, (stage, step, total, loss) -> {});
        assertFalse(sameWeights(rewardModel.backbone(), reference), "the reward model trained");
        rewardModel.save(dir);
        Gpt restartedPolicy = policy.copy();
        RewardModel restarted = RewardModel.load(dir);
        Gpt freshPolicy = policy.copy();

        Map<String, Double> carried = update.run(policy, reference, rewardModel, pairs(), END_OF_TEXT, SEED + 1, (s, st, t, l) -> {});
        Map<String, Double> resumed = update.run(restartedPolicy, reference, restarted, pairs(), END_OF_TEXT, SEED + 1, (s, st, t, l) -> {});
        Map<String, Double> fresh = update.run(freshPolicy, reference, update.newRewardModel(reference), pairs(), END_OF_TEXT, SEED + 1,
                (s, st, t, l) -> {});
        assertTrue(sameWeights(policy, restartedPolicy), "the saved reward model resumes the line bit for bit");
        assertEquals(carried, resumed);
        assertTrue(sameWeights(rewardModel.backbone(), restarted.backbone()));
        assertFalse(sameWeights(policy, freshPolicy), "RLOO follows the carried reward model, not a fresh one");
        assertTrue(carried.get("rewardTrainAccuracy") >= fresh.get("rewardTrainAccuracy"),
                "the carried model has seen these pairs before: " + carried + " vs " + fresh);
    }

    @Test
    void promptsAreDedupedInOrderAndCutToTheirQuestion() {
        List<TokenizedPreference> pairs = List.of(
                new TokenizedPreference(new int[] {1, 2, 3, 4}, new int[] {5}, new int[] {6}),
                new TokenizedPreference(new int[] {7}, new int[] {5}, new int[] {6}),
                new TokenizedPreference(new int[] {1, 2, 3, 4}, new int[] {6}, new int[] {5}),
                new TokenizedPreference(new int[] {0, 3, 4}, new int[] {5}, new int[] {6}));
        List<int[]> prompts = PolicyUpdate.distinctPrompts(pairs, 2);
        assertEquals(2, prompts.size(), "{1,2,3,4} and {0,3,4} end alike: one prompt once cut to the last two tokens");
        assertArrayEquals(new int[] {3, 4}, prompts.get(0));
        assertArrayEquals(new int[] {7}, prompts.get(1));
    }

    @Test
    void onlyDpoAndRlooUpdateAPolicyAndBadRlooSettingsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> new PolicyUpdate(config(Map.of()), Algorithm.PPO));
        assertThrows(IllegalArgumentException.class, () -> new PolicyUpdate(config(Map.of()), Algorithm.SFT));
        assertEquals(java.util.Optional.empty(), PolicyUpdate.algorithmNamed("ppo"));
        for (String bad : List.of("rlhf.trainer.rloo.samples=1", "rlhf.trainer.rloo.steps=0", "rlhf.trainer.rloo.beta=-1")) {
            String[] kv = bad.split("=");
            TrainerConfig.Rloo rloo = config(Map.of(kv[0], kv[1])).rloo();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyUpdate.rlooSettings(rloo, 8, 1));
            assertTrue(e.getMessage().startsWith("rlhf.trainer.rloo"), e.getMessage());
        }
        assertEquals(java.util.Optional.of(Algorithm.RLOO), PolicyUpdate.algorithmNamed(" RLOO"));
    }
}
