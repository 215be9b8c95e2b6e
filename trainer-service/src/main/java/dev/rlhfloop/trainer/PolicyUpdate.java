package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.rlhf.PreferencePair;
import dev.rlhfloop.llm.rlhf.PreferenceSettings;
import dev.rlhfloop.llm.rlhf.PreferenceTrainer;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One update of a model line from a batch of preference pairs: a Bradley–Terry reward model (from
 * the SFT model, every k-th pair held out to measure its accuracy) and a DPO step of the policy
 * against the SFT reference. Everything is seeded by the line's seed and the version number, so a
 * replay of the same pairs gives the same weights.
 */
final class PolicyUpdate {

    /** Reports each optimizer step: the stage, its step and total, and the step's loss. */
    interface Progress {
        void step(Algorithm stage, long step, long total, double loss);
    }

    /** Pairs the KL to the reference is measured on when no pair is held out. */
    static final int PROBE_PAIRS = 4;

    private final TrainerConfig config;

    PolicyUpdate(TrainerConfig config) {
        this.config = config;
    }

    /** The engine's pair from an event: the prompt in the SFT template, the answers' token ids as generated. */
    static Optional<PreferencePair> encode(dev.rlhfloop.contracts.PreferencePair event, Tokenizer tokenizer, int contextLength) {
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
        return Optional.of(new PreferencePair(promptIds, chosen, rejected));
    }

    private static int[] answer(dev.rlhfloop.contracts.Answer answer, Tokenizer tokenizer) {
        return answer.tokenIds().isEmpty() ? tokenizer.encode(answer.text()) : answer.tokenArray();
    }

    /**
     * Trains {@code policy} in place on {@code pairs} (in their canonical order) and returns the
     * version's metrics: {@code rewardAccuracy}/{@code rewardLoss} on the held-out pairs (when there
     * are any); DPO's {@code dpoLoss}, {@code chosenReward}, {@code rejectedReward}, {@code margin},
     * {@code accuracy}, {@code kl} after the update and {@code dpoLossBefore} before it, on the probe
     * pairs (the held-out ones, else the last few); {@code dpoTrainLoss}, the mean over the last epoch's steps.
     */
    Map<String, Double> run(Gpt policy, Gpt reference, List<PreferencePair> pairs, int padId, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", (double) pairs.size());

        List<PreferencePair> rewardTrain = new ArrayList<>();
        List<PreferencePair> rewardHeldOut = new ArrayList<>();
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
        RewardModel rewardModel = RewardModel.fromPolicy(reference, seed);
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
        List<PreferencePair> probe = !rewardHeldOut.isEmpty() ? rewardHeldOut
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

    /** JSON has no NaN: a metric that was not measured is left out. */
    private static void put(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) metrics.put(name, value);
    }
}
