package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.rlhf.PreferenceSettings;
import dev.rlhfloop.llm.rlhf.PreferenceTrainer;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.Rloo;
import dev.rlhfloop.llm.rlhf.RlooSettings;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One update of a model line from a batch of preference pairs: the line's Bradley–Terry reward
 * model trained further on them (every k-th pair held out to measure its accuracy), then the
 * policy: DPO on the pairs against the SFT reference, or RLOO steps on the pairs' prompts against
 * that reward model with a KL penalty to the SFT reference ({@code rlhf.trainer.algorithm}).
 * Everything is seeded by the line's seed and the version number, so a replay of the same pairs
 * gives the same weights.
 */
final class PolicyUpdate {

    /** Reports each optimizer step: the stage, its step and total, and the step's loss. */
    interface Progress {
        void step(Algorithm stage, long step, long total, double loss);
    }

    /** Pairs the KL to the reference is measured on when no pair is held out. */
    static final int PROBE_PAIRS = 4;

    /** The algorithms a policy update can run. */
    static final List<Algorithm> ALGORITHMS = List.of(Algorithm.DPO, Algorithm.RLOO);

    private final TrainerConfig config;
    private final Algorithm algorithm;

    PolicyUpdate(TrainerConfig config, Algorithm algorithm) {
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("a policy update runs DPO or RLOO, not " + algorithm);
        }
        this.config = config;
        this.algorithm = algorithm;
    }

    Algorithm algorithm() {
        return algorithm;
    }

    /** The policy algorithm named {@code text} ({@code dpo} or {@code rloo}, any case), if it is one. */
    static Optional<Algorithm> algorithmNamed(String text) {
        return ALGORITHMS.stream().filter(a -> a.name().equalsIgnoreCase(text.strip())).findFirst();
    }

    /** The metric that stands for the update's loss in progress events and logs. */
    String lossMetric() {
        return algorithm == Algorithm.DPO ? "dpoLoss" : "rlooLoss";
    }

    /** The engine's pair from an event: the prompt in the SFT template, the answers' token ids as generated. */
    static Optional<TokenizedPreference> encode(PreferencePair event, Tokenizer tokenizer, int contextLength) {
        String prompt = event.prompt().contains(AlpacaFormat.RESPONSE_HEADER) ? event.prompt() : AlpacaFormat.prompt(event.prompt(), "");
        int[] promptIds = tokenizer.encode(prompt);
        int[] chosen = answer(event.chosen(), tokenizer);
        int[] rejected = answer(event.rejected(), tokenizer);
        if (chosen.length == 0 || rejected.length == 0 || Arrays.equals(chosen, rejected)) return Optional.empty();
        for (int[] ids : List.of(chosen, rejected)) {
            for (int id : ids) if (id < 0 || id >= tokenizer.vocabSize()) return Optional.empty();
        }
        // Keep whole answers (up to half the context) and the end of the prompt, which holds the question.
        int answerRoom = contextLength / 2;
        chosen = Arrays.copyOf(chosen, Math.min(chosen.length, answerRoom));
        rejected = Arrays.copyOf(rejected, Math.min(rejected.length, answerRoom));
        int promptRoom = contextLength - Math.max(chosen.length, rejected.length);
        if (promptIds.length > promptRoom) promptIds = Arrays.copyOfRange(promptIds, promptIds.length - promptRoom, promptIds.length);
        return Optional.of(new TokenizedPreference(promptIds, chosen, rejected));
    }

    private static int[] answer(dev.rlhfloop.contracts.Answer answer, Tokenizer tokenizer) {
        return answer.tokenIds().isEmpty() ? tokenizer.encode(answer.text()) : answer.tokenArray();
    }

    /**
     * Trains {@code policy} in place on {@code pairs} (in their canonical order) and returns the
     * version's metrics: {@code rewardAccuracy}/{@code rewardLoss} on the held-out pairs (when there
     * are any) and {@code rewardTrainAccuracy}; then for DPO {@code dpoLoss}, {@code chosenReward},
     * {@code rejectedReward}, {@code margin}, {@code accuracy}, {@code kl} after the update and
     * {@code dpoLossBefore} before it, on the probe pairs (the held-out ones, else the last few);
     * {@code dpoTrainLoss}, the mean over the last epoch's steps. For RLOO see {@link #rloo}.
     * {@code padId} is the tokenizer's end-of-text, which also ends RLOO's sampled answers.
     * {@code rewardModel} (from {@link #newRewardModel} or the parent version's) is trained in place:
     * a line carries it from version to version, so it has learned from every pair so far, where one
     * trained afresh on each batch (4–16 pairs) gave RLOO little to follow.
     */
    Map<String, Double> run(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs, int padId, long seed,
                            Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", (double) pairs.size());

        List<TokenizedPreference> rewardTrain = new ArrayList<>();
        List<TokenizedPreference> rewardHeldOut = new ArrayList<>();
        int every = config.reward().holdOutEvery();
        for (int i = 0; i < pairs.size(); i++) {
            (every > 1 && pairs.size() >= every && i % every == every - 1 ? rewardHeldOut : rewardTrain).add(pairs.get(i));
        }
        PreferenceSettings rewardSettings = PreferenceSettings.defaults()
                .withLearningRate(config.reward().learningRate())
                .withEpochs(config.reward().epochs())
                .withBatchSize(config.dpo().batchSize())
                .withSeed(seed)
                .withMaxLength(reference.config().contextLength());
        rewardModel.backbone().setDropoutState(seed, 0);
        List<PreferenceTrainer.Epoch> rewardEpochs = PreferenceTrainer.rewardModel(rewardModel, rewardTrain, rewardHeldOut,
                rewardSettings, padId, step -> progress.step(Algorithm.REWARD_MODEL,
                        (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) rewardSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        PreferenceTrainer.Epoch lastReward = rewardEpochs.get(rewardEpochs.size() - 1);
        if (lastReward.heldOut() != null) {
            put(metrics, "rewardAccuracy", lastReward.heldOut().accuracy());
            put(metrics, "rewardLoss", lastReward.heldOut().loss());
        }
        put(metrics, "rewardTrainAccuracy", lastReward.train().accuracy());

        if (algorithm == Algorithm.RLOO) {
            rloo(policy, reference, rewardModel, pairs, padId, seed, progress, metrics);
            return metrics;
        }
        PreferenceSettings dpoSettings = PreferenceSettings.defaults()
                .withBeta(config.dpo().beta())
                .withLearningRate(config.dpo().learningRate())
                .withWeightDecay(config.dpo().weightDecay())
                .withEpochs(config.dpo().epochs())
                .withBatchSize(config.dpo().batchSize())
                .withSeed(seed)
                .withMaxLength(policy.config().contextLength());
        policy.setDropoutState(seed, 0);
        // KL to the reference and the after-update metrics are measured on a few pairs (the reward
        // model's held-out ones): a full second pass over the batch would double an update's time.
        List<TokenizedPreference> probe = !rewardHeldOut.isEmpty() ? rewardHeldOut
                : pairs.subList(Math.max(0, pairs.size() - PROBE_PAIRS), pairs.size());
        List<PreferenceTrainer.Epoch> dpoEpochs = PreferenceTrainer.dpo(policy, reference, pairs, probe, dpoSettings, padId,
                step -> progress.step(Algorithm.DPO, (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) dpoSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        put(metrics, "dpoLossBefore", dpoEpochs.get(0).heldOut().loss());
        PreferenceTrainer.Epoch last = dpoEpochs.get(dpoEpochs.size() - 1);
        put(metrics, "dpoTrainLoss", last.train().loss());
        put(metrics, "dpoLoss", last.heldOut().loss());
        put(metrics, "chosenReward", last.heldOut().chosenReward());
        put(metrics, "rejectedReward", last.heldOut().rejectedReward());
        put(metrics, "margin", last.heldOut().margin());
        put(metrics, "accuracy", last.heldOut().accuracy());
        put(metrics, "kl", last.heldOut().klToReference());
        return metrics;
    }

    /** A line's first reward model: the SFT model's backbone and a head drawn from the line's seed. */
    RewardModel newRewardModel(Gpt reference) {
        return RewardModel.fromPolicy(reference, config.seed());
    }

    /**
     * RLOO steps of {@code policy} on the batch's prompts (each once, in their first pair's order;
     * {@code prompts-per-step} of them per step, cycling) against {@code rewardModel}, with the KL
     * penalty to the SFT reference; samples stop at end-of-text. Metrics: {@code prompts},
     * {@code rewardBefore} (the first step's mean reward: samples of the parent policy), and the last
     * step's {@code reward}, {@code kl} (summed log-ratio log π − log π_ref per answer),
     * {@code totalReward} (reward − β·kl), {@code responseLength} (tokens) and {@code rlooLoss}.
     */
    private void rloo(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs, int endOfText, long seed,
                      Progress progress, Map<String, Double> metrics) {
        TrainerConfig.Rloo settings = config.rloo();
        // Answers get at most half the context (as a pair's answers do in encode), prompts the rest.
        int maxNewTokens = Math.min(settings.maxNewTokens(), policy.config().contextLength() / 2);
        RlooSettings rlooSettings = rlooSettings(settings, maxNewTokens, seed);
        List<int[]> prompts = distinctPrompts(pairs, policy.config().contextLength() - maxNewTokens);
        metrics.put("prompts", (double) prompts.size());
        policy.setDropoutState(seed, 0);
        Rloo rloo = new Rloo(policy, reference, Rloo.Reward.of(rewardModel), rlooSettings, endOfText);
        int perStep = Math.min(settings.promptsPerStep(), prompts.size());
        Rloo.Metrics last = null;
        for (int step = 0; step < settings.steps(); step++) {
            List<int[]> stepPrompts = new ArrayList<>();
            for (int i = 0; i < perStep; i++) stepPrompts.add(prompts.get((step * perStep + i) % prompts.size()));
            last = rloo.step(stepPrompts);
            if (step == 0) put(metrics, "rewardBefore", last.reward());
            progress.step(Algorithm.RLOO, step + 1, settings.steps(), last.loss());
        }
        put(metrics, "reward", last.reward());
        put(metrics, "kl", last.kl());
        put(metrics, "totalReward", last.totalReward());
        put(metrics, "responseLength", last.responseLength());
        put(metrics, "rlooLoss", last.loss());
    }

    /** The engine's RLOO settings from the trainer's; refuses what the engine would, and steps or prompts-per-step below 1. */
    static RlooSettings rlooSettings(TrainerConfig.Rloo settings, int maxNewTokens, long seed) {
        if (settings.steps() < 1 || settings.promptsPerStep() < 1) {
            throw new IllegalArgumentException("rlhf.trainer.rloo.steps and .prompts-per-step must be at least 1, were "
                    + settings.steps() + " and " + settings.promptsPerStep());
        }
        try {
            return RlooSettings.defaults()
                    .withSamples(settings.samples())
                    .withKlCoefficient(settings.beta())
                    .withLearningRate(settings.learningRate())
                    .withMaxNewTokens(maxNewTokens)
                    .withSeed(seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rlhf.trainer.rloo (samples, beta = klCoefficient, learning-rate, max-new-tokens): "
                    + e.getMessage(), e);
        }
    }

    /** Each pair's prompt once, in order of first appearance, keeping its last {@code room} tokens (the question). */
    static List<int[]> distinctPrompts(List<TokenizedPreference> pairs, int room) {
        List<int[]> prompts = new ArrayList<>();
        for (TokenizedPreference pair : pairs) {
            int[] prompt = pair.prompt();
            if (prompt.length > room) prompt = Arrays.copyOfRange(prompt, prompt.length - room, prompt.length);
            int[] candidate = prompt;
            if (prompts.stream().noneMatch(p -> Arrays.equals(p, candidate))) prompts.add(prompt);
        }
        return prompts;
    }

    /** JSON has no NaN: a metric that was not measured is left out. */
    private static void put(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) metrics.put(name, value);
    }
}
