package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One policy update of a tiny random model: real reward-model training, real DPO, real RLOO, with the shared defaults. */
class PolicyUpdateTest {
    private static final GptConfig TINY = GptConfig.of(48, 32, 16, 2, 1);
    private static final int END_OF_TEXT = 47;
    private static final long SEED = 1234L * 1_000_003L + 2;

    static final UpdateSettings SMALL_RLOO = UpdateSettings.defaults().with(s -> {
        s.algorithm = PolicyAlgorithm.RLOO;
        s.batchSize = 4;
        s.rloo.steps = 3;
        s.rloo.maxNewTokens = 6;
        s.rloo.learningRate = 1e-3f;
    });

    /** Eight pairs on three prompts (two repeated); chosen answers hold token 5, rejected ones do not. */
    static List<TokenizedPreference> pairs() {
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

    private record Step(PolicyUpdate.Stage stage, long step, long total, double loss) {}

    private record Result(Gpt policy, Map<String, Double> metrics, List<Step> steps) {}

    private static Result update(UpdateSettings settings, long seed) {
        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(settings);
        Gpt policy = update.newPolicy(reference, seed);
        List<Step> steps = new ArrayList<>();
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference, 1234), pairs(), END_OF_TEXT, seed,
                (stage, step, total, loss) -> steps.add(new Step(stage, step, total, loss)));
        return new Result(policy, metrics, steps);
    }

    static boolean sameWeights(List<Parameter> pa, List<Parameter> pb) {
        for (int i = 0; i < pa.size(); i++) {
            if (!Arrays.equals(pa.get(i).data(), pb.get(i).data())) return false;
        }
        return true;
    }

    private static boolean sameWeights(Gpt a, Gpt b) {
        return sameWeights(a.parameters(), b.parameters());
    }

    @Test
    void rlooTrainsTheRewardModelThenTakesRlooStepsAgainstIt() {
        Result result = update(SMALL_RLOO, SEED);

        assertEquals(new TreeSet<>(Set.of("pairs", "prompts", "rewardAccuracyBefore", "rewardAccuracy", "rewardMargin", "rewardLoss", "rewardTrainAccuracy",
                "rewardBefore", "reward", "kl", "totalReward", "responseLength", "rlooLoss")), new TreeSet<>(result.metrics().keySet()));
        assertEquals(8.0, result.metrics().get("pairs"));
        assertEquals(3.0, result.metrics().get("prompts"), "the batch's prompts, each once");
        double length = result.metrics().get("responseLength");
        assertTrue(length >= 1 && length <= 6, "answers stop at end-of-text or after max-new-tokens: " + length);
        assertEquals(result.metrics().get("reward") - 0.05 * result.metrics().get("kl"), result.metrics().get("totalReward"), 1e-9,
                "total reward = reward − β·KL: " + result.metrics());

        List<Step> rloo = result.steps().stream().filter(s -> s.stage() == PolicyUpdate.Stage.POLICY).toList();
        assertEquals(List.of(1L, 2L, 3L), rloo.stream().map(Step::step).toList());
        assertTrue(rloo.stream().allMatch(s -> s.total() == 3 && Double.isFinite(s.loss())), rloo.toString());
        assertEquals(PolicyUpdate.Stage.REWARD_MODEL, result.steps().get(0).stage(), "the reward model trains first");
        assertFalse(sameWeights(result.policy(), Gpt.create(TINY, 11)), "the policy moved");
    }

    @Test
    void anRlooUpdateRepeatsBitForBitForTheSameSeedAndDiffersForAnother() {
        Result first = update(SMALL_RLOO, SEED);
        Result again = update(SMALL_RLOO, SEED);
        assertTrue(sameWeights(first.policy(), again.policy()), "same pairs, seed and settings: same weights");
        assertEquals(first.metrics(), again.metrics());
        assertFalse(sameWeights(first.policy(), update(SMALL_RLOO, SEED + 1).policy()), "another version's seed samples otherwise");
    }

    @Test
    void dpoIsTheDefaultAndKeepsItsMetrics() {
        assertEquals(PolicyAlgorithm.DPO, UpdateSettings.defaults().algorithm());
        Result result = update(UpdateSettings.defaults().with(s -> s.batchSize = 4), SEED);
        assertTrue(result.metrics().keySet().containsAll(List.of("dpoLoss", "dpoLossBefore", "margin", "kl", "rewardAccuracy")),
                result.metrics().toString());
        assertFalse(result.metrics().containsKey("rlooLoss"));
        assertEquals(4, result.steps().stream().filter(s -> s.stage() == PolicyUpdate.Stage.POLICY).count(), "2 epochs of 2 batches of 4 pairs");
    }

    /**
     * The live trainer prepares each pair as it arrives (its reference log-probabilities, computed
     * alone): the update trains the same weights bit for bit as without, and lets go of what it read.
     */
    @Test
    void preparingPairsAsTheyArriveTrainsTheSameDpoPolicy() {
        UpdateSettings settings = UpdateSettings.defaults().with(s -> s.batchSize = 4);
        Result plain = update(settings, SEED);

        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(settings);
        List<TokenizedPreference> arriving = new ArrayList<>(pairs());
        java.util.Collections.reverse(arriving);
        for (TokenizedPreference pair : arriving) update.prepare(reference, pair.withWeight(0.5), END_OF_TEXT);
        assertTrue(update.keptReferenceLogProbs() > 0);
        Gpt policy = update.newPolicy(reference, SEED);
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference, 1234), pairs(), END_OF_TEXT, SEED,
                PolicyUpdate.Progress.NONE);
        assertTrue(sameWeights(plain.policy().parameters(), policy.parameters()), "the same policy, bit for bit");
        assertEquals(plain.metrics(), metrics);
        assertEquals(0, update.keptReferenceLogProbs(), "the update let go of its pairs' numbers");
    }

    /** The warm-up runs every algorithm's update on a model of its own: a line's update after it is the same, bit for bit. */
    @Test
    void warmingUpChangesNoUpdate() {
        UpdateSettings settings = UpdateSettings.defaults().with(s -> s.batchSize = 4);
        Result cold = update(settings, SEED);
        for (PolicyAlgorithm algorithm : PolicyAlgorithm.values()) {
            UpdateSettings each = settings.with(s -> {
                s.algorithm = algorithm;
                s.rloo.maxNewTokens = 4;
                s.ppo.maxNewTokens = 4;
                s.grpo.maxNewTokens = 4;
            });
            assertTrue(new PolicyUpdate(each, List.of(new dev.rlhfloop.llm.data.InstructionLoader.Encoded(new int[] {1, 2, 3, 4}, 2)))
                    .warmUp(1) > 0, algorithm.name());
        }
        Result warm = update(settings, SEED);
        assertTrue(sameWeights(cold.policy().parameters(), warm.policy().parameters()), "the same policy after a warm-up");
        assertEquals(cold.metrics(), warm.metrics());
    }

    /** PPO, GRPO and KTO as one case each of the update: their own metrics, the policy moved, the same seed the same bits. */
    @Test
    void ppoGrpoAndKtoAreUpdatesWithTheirOwnMetricsThatRepeatBitForBit() {
        UpdateSettings d = UpdateSettings.defaults().with(s -> s.batchSize = 4);
        Map<PolicyAlgorithm, UpdateSettings> small = Map.of(
                PolicyAlgorithm.PPO, d.with(s -> {
                    s.algorithm = PolicyAlgorithm.PPO;
                    s.ppo.steps = 2;
                    s.ppo.maxNewTokens = 6;
                }),
                PolicyAlgorithm.GRPO, d.with(s -> {
                    s.algorithm = PolicyAlgorithm.GRPO;
                    s.grpo.steps = 2;
                    s.grpo.maxNewTokens = 6;
                }),
                PolicyAlgorithm.KTO, d.with(s -> {
                    s.algorithm = PolicyAlgorithm.KTO;
                    s.kto.learningRate = 1e-3f;
                }));
        Map<PolicyAlgorithm, List<String>> own = Map.of(
                PolicyAlgorithm.PPO, List.of("prompts", "rewardBefore", "reward", "kl", "responseLength", "ppoLoss", "valueLoss", "clipFraction"),
                PolicyAlgorithm.GRPO, List.of("prompts", "rewardBefore", "reward", "rewardStd", "kl", "responseLength", "grpoLoss", "clipFraction"),
                PolicyAlgorithm.KTO, List.of("ratings", "ktoLossBefore", "ktoLoss", "ktoTrainLoss", "desirableReward", "undesirableReward",
                        "referencePoint", "ktoAccuracy"));
        for (PolicyAlgorithm algorithm : List.of(PolicyAlgorithm.PPO, PolicyAlgorithm.GRPO, PolicyAlgorithm.KTO)) {
            Result result = update(small.get(algorithm), SEED);
            Set<String> expected = new TreeSet<>(own.get(algorithm));
            expected.addAll(List.of("pairs", "rewardAccuracyBefore", "rewardAccuracy", "rewardMargin", "rewardLoss", "rewardTrainAccuracy"));
            assertEquals(expected, new TreeSet<>(result.metrics().keySet()), algorithm.name());
            assertTrue(result.metrics().containsKey(algorithm.lossMetric()), algorithm.name());
            assertTrue(result.steps().stream().anyMatch(s -> s.stage() == PolicyUpdate.Stage.POLICY), algorithm + " reports its steps");
            assertFalse(sameWeights(result.policy(), Gpt.create(TINY, 11)), algorithm + " moved the policy");
            Result again = update(small.get(algorithm), SEED);
            assertTrue(sameWeights(result.policy(), again.policy()), algorithm + ": same pairs, seed and settings, same weights");
            assertEquals(result.metrics(), again.metrics(), algorithm.name());
        }
        assertEquals(16.0, update(small.get(PolicyAlgorithm.KTO), SEED).metrics().get("ratings"), "each pair's two answers rated alone");
    }

    /**
     * KTO on a batch's ratings given in its order: the pairs' own ratings train the same bits as the
     * pairs alone; thumbs beside them count as ratings; thumbs alone train the policy and no reward model.
     */
    @Test
    void ktoTakesTheBatchsRatingsThumbsBesideOrWithoutPairs() {
        UpdateSettings kto = UpdateSettings.defaults().with(s -> {
            s.algorithm = PolicyAlgorithm.KTO;
            s.batchSize = 4;
            s.kto.learningRate = 1e-3f;
        });
        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(kto);
        Gpt unpaired = update.newPolicy(reference, SEED);
        Map<String, Double> metrics = update.run(unpaired, reference, update.newRewardModel(reference, 1234), null, pairs(),
                TokenizedFeedback.fromPairs(pairs()), List.of(), END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        assertTrue(sameWeights(unpaired, update(kto, SEED).policy()), "the pairs' ratings in pair order: the same update as the pairs'");
        assertEquals(16.0, metrics.get("ratings"));

        List<TokenizedFeedback> thumbs = List.of(new TokenizedFeedback(new int[] {1, 2, 3}, new int[] {5, 7, END_OF_TEXT}, true),
                new TokenizedFeedback(new int[] {4, 9}, new int[] {8, 9, END_OF_TEXT}, false),
                new TokenizedFeedback(new int[] {12, 13}, new int[] {5, END_OF_TEXT}, true));
        Gpt alone = update.newPolicy(reference, SEED);
        RewardModel untouched = update.newRewardModel(reference, 1234);
        Map<String, Double> thumbsOnly = update.run(alone, reference, untouched, null, List.of(), thumbs, List.of(), END_OF_TEXT, SEED,
                PolicyUpdate.Progress.NONE);
        assertEquals(3.0, thumbsOnly.get("ratings"));
        assertFalse(thumbsOnly.containsKey("rewardTrainAccuracy"), "no pairs, no reward-model training: " + thumbsOnly);
        assertTrue(sameWeights(untouched.backbone(), update.newRewardModel(reference, 1234).backbone()));
        assertFalse(sameWeights(alone, reference), "thumbs alone moved the policy");

        Gpt lone = update.newPolicy(reference, SEED);
        assertEquals(Map.of("pairs", 0.0, "ratings", 1.0), update.run(lone, reference, untouched, null, List.of(), thumbs.subList(0, 1), List.of(),
                END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE), "a lone rating trains nothing: KTO's reference point needs two");
        assertTrue(sameWeights(lone, reference));
    }

    /** PPO's critic is carried like the reward model: a second update trains on from the first's critic, and a saved one resumes it exactly. */
    @Test
    void ppoCarriesItsCriticFromUpdateToUpdate(@TempDir Path dir) throws Exception {
        UpdateSettings d = UpdateSettings.defaults().with(s -> s.batchSize = 4);
        PolicyUpdate update = new PolicyUpdate(d.with(s -> {
            s.algorithm = PolicyAlgorithm.PPO;
            s.ppo.steps = 1;
            s.ppo.maxNewTokens = 4;
        }));
        Gpt reference = Gpt.create(TINY, 11);
        Gpt policy = update.newPolicy(reference, SEED);
        RewardModel rewardModel = update.newRewardModel(reference, 1234);
        ValueModel critic = update.newCritic(rewardModel);
        List<Parameter> before = critic.parameters().stream().map(p -> {
            Parameter copy = new Parameter(p.name(), p.shape());
            System.arraycopy(p.data(), 0, copy.data(), 0, p.size());
            return copy;
        }).toList();
        update.run(policy, reference, rewardModel, critic, pairs(), END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        assertFalse(sameWeights(before, critic.parameters()), "the critic trained in place");
        critic.save(dir.resolve("critic"));
        rewardModel.save(dir.resolve("reward"));
        Gpt resumedPolicy = policy.copy();
        Map<String, Double> carried = update.run(policy, reference, rewardModel, critic, pairs(), END_OF_TEXT, SEED + 1,
                PolicyUpdate.Progress.NONE);
        Map<String, Double> resumed = update.run(resumedPolicy, reference, RewardModel.load(dir.resolve("reward")),
                ValueModel.load(dir.resolve("critic")), pairs(), END_OF_TEXT, SEED + 1, PolicyUpdate.Progress.NONE);
        assertEquals(carried, resumed, "a saved critic resumes exactly");
        assertTrue(sameWeights(policy, resumedPolicy));
    }

    /** A LoRA update trains only the adapter: the reference's weights, which the policy shares, do not move. */
    @Test
    void aLoraUpdateTrainsAnAdapterOverTheFrozenSharedBase() {
        UpdateSettings settings = UpdateSettings.defaults().with(s -> {
            s.batchSize = 4;
            s.loraRank = 2;
            s.dpo.learningRate = 1e-2f;
        });
        Gpt reference = Gpt.create(TINY, 11);
        Gpt untouched = reference.copy();
        PolicyUpdate update = new PolicyUpdate(settings);
        Gpt policy = update.newPolicy(reference, SEED);
        assertEquals(reference.parameters(), policy.parameters(), "the adapter's base is the reference's own weights, not a copy");
        update.run(policy, reference, update.newRewardModel(reference, 1234), pairs(), END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        assertTrue(sameWeights(reference, untouched), "the base stays frozen");
        assertTrue(Arrays.stream(policy.lora().parameters().stream().filter(p -> p.name().contains("lora_B")).toArray(Parameter[]::new))
                .anyMatch(p -> !Arrays.equals(p.data(), new float[p.size()])), "B moved off zero");
        float[] adapted = policy.forward(new int[] {1, 2, 3}, 1, 3).clone();
        float[] base = reference.forward(new int[] {1, 2, 3}, 1, 3).clone();
        assertFalse(Arrays.equals(adapted, base), "the adapted model answers otherwise than the base");
    }

    /**
     * A line's reward model carries from update to update, and a line restarted from the saved
     * reward model (a trainer killed between versions) takes exactly the RLOO step one that never
     * stopped takes.
     */
    @Test
    void theRewardModelCarriesAcrossUpdatesAndThroughItsSavedState(@TempDir Path dir) throws Exception {
        PolicyUpdate update = new PolicyUpdate(SMALL_RLOO);
        Gpt reference = Gpt.create(TINY, 11);
        Gpt policy = reference.copy();
        RewardModel rewardModel = update.newRewardModel(reference, 1234);
        update.run(policy, reference, rewardModel, pairs(), END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        assertFalse(sameWeights(rewardModel.backbone(), reference), "the reward model trained");
        rewardModel.save(dir);
        Gpt restartedPolicy = policy.copy();
        RewardModel restarted = RewardModel.load(dir);
        Gpt freshPolicy = policy.copy();

        Map<String, Double> carried = update.run(policy, reference, rewardModel, pairs(), END_OF_TEXT, SEED + 1, PolicyUpdate.Progress.NONE);
        Map<String, Double> resumed = update.run(restartedPolicy, reference, restarted, pairs(), END_OF_TEXT, SEED + 1,
                PolicyUpdate.Progress.NONE);
        Map<String, Double> fresh = update.run(freshPolicy, reference, update.newRewardModel(reference, 1234), pairs(), END_OF_TEXT,
                SEED + 1, PolicyUpdate.Progress.NONE);
        assertTrue(sameWeights(policy, restartedPolicy), "the saved reward model resumes the line bit for bit");
        assertEquals(carried, resumed);
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
    void pairsAreCutToTheContextAndUselessOnesRefused() {
        TokenizedPreference fit = PolicyUpdate.fit(new int[] {1, 2, 3, 4, 5, 6}, new int[] {7, 8, 9, 10, 11}, new int[] {12}, 8, 48);
        assertArrayEquals(new int[] {7, 8, 9, 10}, fit.chosen(), "an answer gets at most half the context");
        assertArrayEquals(new int[] {3, 4, 5, 6}, fit.prompt(), "the prompt keeps its end");
        assertNull(PolicyUpdate.fit(new int[] {1}, new int[] {7}, new int[] {7}, 8, 48), "identical answers teach nothing");
        assertNull(PolicyUpdate.fit(new int[] {1}, new int[] {70}, new int[] {7}, 8, 48), "a token the model does not know");
    }

    @Test
    void algorithmsAreNamedInAnyCaseAndBadSettingsAreRefusedByName() {
        assertEquals(Optional.of(PolicyAlgorithm.RLOO), PolicyAlgorithm.named(" RLOO"));
        assertEquals(Optional.of(PolicyAlgorithm.DPO), PolicyAlgorithm.named("dpo"));
        assertEquals(Optional.empty(), PolicyAlgorithm.named("sft"));
        UpdateSettings.Rloo rloo = UpdateSettings.defaults().rloo();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UpdateSettings.Rloo(rloo.steps(), 1, rloo.promptsPerStep(), rloo.beta(), rloo.learningRate(), rloo.maxNewTokens()));
        assertTrue(e.getMessage().startsWith("rloo: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().with(s -> s.loraRank = -1));
    }
}
