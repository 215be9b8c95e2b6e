package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.LoraSettings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One update of a policy from a batch of preference pairs, as the trainer service, the {@code llm}
 * verbs and the experiments run it: the reward model trained further on the pairs (every k-th pair
 * held out to measure its accuracy), then the policy by the settings' algorithm — DPO on the pairs
 * against the frozen reference; RLOO, PPO or GRPO steps on the pairs' prompts against that reward
 * model with a KL penalty to the reference; or KTO on the pairs' answers rated alone. DPO may then
 * train on RM-labelled online pairs ({@link OnlinePairs}, {@link UpdateSettings.Online}). Everything is
 * seeded by the update's seed, so the same pairs, seed, settings (and PPO's critic) give the same
 * weights, bit for bit.
 */
public final class PolicyUpdate {

    /** What a progress report is about: the reward model, or the policy (by the settings' algorithm). */
    public enum Stage { REWARD_MODEL, POLICY }

    /** Reports each optimizer step: the stage, its step and total, and the step's loss. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (stage, step, total, loss) -> {};

        void step(Stage stage, long step, long total, double loss);
    }

    /** Pairs the KL to the reference is measured on when no pair is held out. */
    static final int PROBE_PAIRS = 4;

    private final UpdateSettings settings;
    private final List<InstructionLoader.Encoded> instructions;
    private final ReferenceLogProbs referenceLogProbs = new ReferenceLogProbs();

    /** An update without instruction examples: the settings' SFT mix, if any, has nothing to mix. */
    public PolicyUpdate(UpdateSettings settings) {
        this(settings, List.of());
    }

    /**
     * An update whose SFT mix ({@link UpdateSettings.SftMix}) draws from {@code instructions}: the
     * line's SFT data (the examples its SFT model was fine-tuned on), encoded in the SFT template.
     */
    public PolicyUpdate(UpdateSettings settings, List<InstructionLoader.Encoded> instructions) {
        this.settings = settings;
        this.instructions = List.copyOf(instructions);
    }

    /**
     * Computes and keeps what an update will need of {@code pair} before it has the rest of its batch:
     * for DPO, the reference's log-probabilities of its answers ({@link ReferenceLogProbs}); nothing
     * for the other algorithms. The update's result is the same bit for bit whether or not it was called.
     */
    public void prepare(Gpt reference, TokenizedPreference pair, int endOfText) {
        if (settings.algorithm() == PolicyAlgorithm.DPO) referenceLogProbs.of(reference, pair, endOfText, dpoMaxLength(reference));
    }

    /** How many pairs' reference log-probabilities {@link #prepare} kept that no update has read yet. */
    public int keptReferenceLogProbs() {
        return referenceLogProbs.size();
    }

    private int dpoMaxLength(Gpt model) {
        return Math.min(settings.dpoSettings(0, model.config().contextLength()).maxLength(), model.config().contextLength());
    }

    /**
     * Runs an update of these settings {@code rounds} times on a tiny random model and random pairs,
     * so that the JIT has compiled the kernels and the update's path before a line's first real
     * batch: without it a fresh trainer's first updates of the 60% {@code nano} model took 4.5-6.5 s
     * where a warm one took 3 s. It shares nothing with any line (its own models, optimisers and
     * seeds), so no line's result depends on whether it ran. Returns the seconds it took.
     */
    public double warmUp(int rounds) {
        long started = System.nanoTime();
        // the shapes' kinds as a real model's: 64-float heads, a vocabulary that is no multiple of the vector width
        GptConfig tiny = GptConfig.of(97, 96, 64, 1, 1);
        int endOfText = 96;
        Random random = new Random(20_261_206L);
        List<TokenizedPreference> pairs = new ArrayList<>();
        List<InstructionLoader.Encoded> examples = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int[] prompt = randomIds(random, 10 + random.nextInt(30), endOfText, false);
            pairs.add(new TokenizedPreference(prompt, randomIds(random, 4 + random.nextInt(30), endOfText, true),
                    randomIds(random, 4 + random.nextInt(30), endOfText, true)));
            examples.add(new InstructionLoader.Encoded(randomIds(random, 20 + random.nextInt(40), endOfText, true), 10));
        }
        PolicyUpdate update = new PolicyUpdate(settings, mixesSft() ? examples : List.of());
        Gpt reference = Gpt.create(tiny, 1);
        for (int round = 0; round < rounds; round++) {
            Gpt policy = update.newPolicy(reference, round);
            update.run(policy, reference, update.newRewardModel(reference, round), pairs, endOfText, round, Progress.NONE);
        }
        return (System.nanoTime() - started) / 1e9;
    }

    /** Random token ids below end-of-text, the last one end-of-text when {@code ended}. */
    private static int[] randomIds(Random random, int length, int endOfText, boolean ended) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = random.nextInt(endOfText);
        if (ended) ids[length - 1] = endOfText;
        return ids;
    }

    /** Whether the policy's steps mix in the SFT loss: the settings ask for it and there are examples to draw. */
    public boolean mixesSft() {
        return settings.sftMix().enabled() && !instructions.isEmpty();
    }

    /** The SFT mix of an update seeded by {@code seed}, or null without one. */
    private SftMixer sftMixer(Gpt policy, int endOfText, long seed) {
        return SftMixer.of(settings.sftMix(), instructions, endOfText, policy.config().contextLength(), seed);
    }

    private static void putSftLoss(Map<String, Double> metrics, SftMixer mixer) {
        if (mixer != null) put(metrics, "sftMixLoss", mixer.meanLoss());
    }

    public UpdateSettings settings() {
        return settings;
    }

    public PolicyAlgorithm algorithm() {
        return settings.algorithm();
    }

    /** A line's first reward model: the reference's backbone and a head drawn from {@code seed}. */
    public RewardModel newRewardModel(Gpt reference, long seed) {
        return RewardModel.fromPolicy(reference, seed);
    }

    /**
     * A line's first PPO critic: a copy of the reward model's backbone, its head and a zero bias (as
     * TRL starts one); the caller carries it from update to update, as it carries the reward model.
     */
    public ValueModel newCritic(RewardModel rewardModel) {
        return ValueModel.fromRewardModel(rewardModel);
    }

    /**
     * A line's first policy: a copy of the reference, or with a LoRA rank, a fresh adapter (A drawn
     * from {@code seed}, B zero) over the reference's own weights, which stay frozen and are not copied.
     */
    public Gpt newPolicy(Gpt reference, long seed) {
        if (settings.loraRank() == 0) return reference.copy();
        Gpt policy = reference.sharingWeights();
        policy.attachLora(lora(), seed);
        return policy;
    }

    /** The adapters of a LoRA update: every projection of every block, alpha = rank; null for full weights. */
    public LoraSettings lora() {
        return settings.loraRank() == 0 ? null : LoraSettings.of(settings.loraRank());
    }

    /**
     * Trains {@code rewardModel} (carried from update to update by the caller, so it learns from every
     * pair so far) and then {@code policy}, both in place, on {@code pairs} in their order; returns
     * the update's metrics: {@code pairs}, the reward model's (see {@link #trainRewardModel}) and the
     * policy's (see {@link #updatePolicy}). {@code endOfText} pads batches and ends RLOO's samples.
     */
    public Map<String, Double> run(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs, int endOfText,
                                   long seed, Progress progress) {
        return run(policy, reference, rewardModel, null, pairs, endOfText, seed, progress);
    }

    /** As {@link #run(Gpt, Gpt, RewardModel, List, int, long, Progress)}, with PPO's {@code critic} (trained in place; null: a fresh one from the reward model). */
    public Map<String, Double> run(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic, List<TokenizedPreference> pairs,
                                   int endOfText, long seed, Progress progress) {
        return run(policy, reference, rewardModel, critic, pairs, null, List.of(), endOfText, seed, progress);
    }

    /**
     * As {@link #run(Gpt, Gpt, RewardModel, ValueModel, List, int, long, Progress)}, with KTO's
     * {@code ratings}: the batch's single-answer ratings in its order (each pair's answers as a thumbs
     * up and a thumbs down where the pair stands, and the thumbs raters gave answers alone); null for
     * the pairs' alone ({@link TokenizedFeedback#fromPairs}). The reward model trains on the pairs
     * (none in a batch of thumbs only); other algorithms than KTO ignore the ratings. {@code pool}:
     * prompts (token ids, in the SFT template) DPO's online pairs may draw fresh prompts from.
     */
    public Map<String, Double> run(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic, List<TokenizedPreference> pairs,
                                   List<TokenizedFeedback> ratings, List<int[]> pool, int endOfText, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", (double) pairs.size());
        metrics.putAll(runRewardModel(rewardModel, pairs, endOfText, seed, progress));
        metrics.putAll(runPolicy(policy, reference, rewardModel, critic, pairs, ratings, pool, endOfText, seed, progress));
        return metrics;
    }

    /**
     * Whether the policy's part of an update reads the reward model: RLOO, PPO and GRPO score their
     * samples with it, DPO's online pairs are labelled by it. When it does not (DPO without online
     * pairs, KTO), nothing one part writes is read by the other, so {@link #runPolicy} may run before
     * {@link #runRewardModel} and both models come out bit for bit as {@link #run} makes them.
     */
    public boolean policyReadsRewardModel() {
        return switch (settings.algorithm()) {
            case DPO -> settings.online().enabled();
            case KTO -> false;
            case RLOO, PPO, GRPO -> true;
        };
    }

    /** The reward model's part of {@link #run}: its metrics ({@link #trainRewardModel}), none for no pairs. */
    public Map<String, Double> runRewardModel(RewardModel rewardModel, List<TokenizedPreference> pairs, int endOfText, long seed,
                                              Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (!pairs.isEmpty()) metrics.putAll(trainRewardModel(rewardModel, split(weighted(pairs)), endOfText, seed, progress));
        return metrics;
    }

    /**
     * The policy's part of {@link #run}: {@code pairs} and the policy's metrics. It reads
     * {@code rewardModel} only where {@link #policyReadsRewardModel} says so: then it must have been
     * trained on the batch first.
     */
    public Map<String, Double> runPolicy(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic, List<TokenizedPreference> pairs,
                                         List<TokenizedFeedback> ratings, List<int[]> pool, int endOfText, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("pairs", (double) pairs.size());
        pairs = weighted(pairs);
        Split split = split(pairs);
        policy.setDropoutState(seed, 0);
        if (settings.algorithm() == PolicyAlgorithm.KTO && ratings != null) {
            metrics.putAll(kto(policy, reference, ratings, TokenizedFeedback.fromPairs(split.heldOut()), endOfText,
                    seed, progress));
        } else {
            metrics.putAll(updatePolicy(policy, reference, rewardModel, critic, pairs, split.heldOut(), pool, endOfText, seed, progress));
        }
        return metrics;
    }

    /**
     * The pairs as the losses weigh them: with {@code weighByReliability}, their weights scaled to a
     * mean of 1 over the update (so the update's objective is the weighted mean Σ wᵢ·ℓᵢ / Σ wᵢ and
     * its step size does not depend on how reliable the raters were on average); without it, or
     * when every weight is 0, every pair weighs 1.
     */
    public List<TokenizedPreference> weighted(List<TokenizedPreference> pairs) {
        double total = 0;
        for (TokenizedPreference pair : pairs) total += pair.weight();
        boolean equal = !settings.weighByReliability() || !(total > 0);
        double scale = equal ? 0 : pairs.size() / total;
        List<TokenizedPreference> result = new ArrayList<>(pairs.size());
        for (TokenizedPreference pair : pairs) {
            double weight = equal ? 1.0 : pair.weight() * scale;
            result.add(pair.weight() == weight ? pair : pair.withWeight(weight));
        }
        return result;
    }

    /** The pairs the reward model trains on, and every {@code holdOutEvery}-th, held out. */
    public record Split(List<TokenizedPreference> train, List<TokenizedPreference> heldOut) {}

    public Split split(List<TokenizedPreference> pairs) {
        List<TokenizedPreference> train = new ArrayList<>();
        List<TokenizedPreference> heldOut = new ArrayList<>();
        int every = settings.reward().holdOutEvery();
        for (int i = 0; i < pairs.size(); i++) {
            (every > 1 && pairs.size() >= every && i % every == every - 1 ? heldOut : train).add(pairs.get(i));
        }
        return new Split(train, heldOut);
    }

    /**
     * Bradley–Terry training of {@code rewardModel} on the split's training pairs. Metrics:
     * {@code rewardAccuracyBefore}, {@code rewardAccuracy}, {@code rewardMargin} and {@code rewardLoss}
     * on the held-out pairs (when there are any) and {@code rewardTrainAccuracy}.
     */
    public Map<String, Double> trainRewardModel(RewardModel rewardModel, Split split, int endOfText, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        PreferenceSettings rewardSettings = settings.rewardSettings(seed, rewardModel.backbone().config().contextLength());
        rewardModel.backbone().setDropoutState(seed, 0);
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.rewardModel(rewardModel, split.train(), split.heldOut(), rewardSettings,
                endOfText, step -> progress.step(Stage.REWARD_MODEL, (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) rewardSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        PreferenceTrainer.Epoch last = epochs.get(epochs.size() - 1);
        if (last.heldOut() != null) {
            put(metrics, "rewardAccuracyBefore", epochs.get(0).heldOut().accuracy());
            put(metrics, "rewardAccuracy", last.heldOut().accuracy());
            put(metrics, "rewardMargin", last.heldOut().margin());
            put(metrics, "rewardLoss", last.heldOut().loss());
        }
        put(metrics, "rewardTrainAccuracy", last.train().accuracy());
        return metrics;
    }

    /**
     * Updates {@code policy} by the settings' algorithm: the one place an algorithm is chosen.
     * {@code probe} are pairs the after-update metrics are measured on (DPO, KTO; the last few pairs when empty).
     * PPO trains a critic fresh from the reward model; see the overload to carry one.
     */
    public Map<String, Double> updatePolicy(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs,
                                            List<TokenizedPreference> probe, int endOfText, long seed, Progress progress) {
        return updatePolicy(policy, reference, rewardModel, null, pairs, probe, endOfText, seed, progress);
    }

    /** As the overload without it, with PPO's {@code critic}, trained in place (null: a fresh one from the reward model). */
    public Map<String, Double> updatePolicy(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic,
                                            List<TokenizedPreference> pairs, List<TokenizedPreference> probe, int endOfText, long seed,
                                            Progress progress) {
        return updatePolicy(policy, reference, rewardModel, critic, pairs, probe, List.of(), endOfText, seed, progress);
    }

    /** As the overload without it, with the {@code pool} of prompts DPO's online pairs draw fresh prompts from. */
    public Map<String, Double> updatePolicy(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic,
                                            List<TokenizedPreference> pairs, List<TokenizedPreference> probe, List<int[]> pool,
                                            int endOfText, long seed, Progress progress) {
        policy.setDropoutState(seed, 0);
        return switch (settings.algorithm()) {
            case DPO -> {
                Map<String, Double> metrics = dpo(policy, reference, pairs, probe, endOfText, seed, progress);
                if (settings.online().enabled() && rewardModel != null) {
                    metrics.putAll(online(policy, reference, rewardModel, pairs, pool, endOfText, seed, progress));
                }
                yield metrics;
            }
            case RLOO -> rloo(policy, reference, rewardModel, pairs, endOfText, seed, progress);
            case PPO -> ppo(policy, reference, rewardModel, critic != null ? critic : newCritic(rewardModel), pairs, endOfText, seed, progress);
            case GRPO -> grpo(policy, reference, rewardModel, pairs, endOfText, seed, progress);
            case KTO -> kto(policy, reference, TokenizedFeedback.fromPairs(pairs), TokenizedFeedback.fromPairs(probe), endOfText, seed,
                    progress);
        };
    }

    /**
     * DPO's metrics: {@code dpoLoss}, {@code chosenReward}, {@code rejectedReward}, {@code margin},
     * {@code accuracy}, {@code kl} after the update and {@code dpoLossBefore} before it, on the probe
     * pairs; {@code dpoTrainLoss}, the mean over the last epoch's steps.
     */
    private Map<String, Double> dpo(Gpt policy, Gpt reference, List<TokenizedPreference> pairs, List<TokenizedPreference> probe,
                                    int endOfText, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        PreferenceSettings dpoSettings = settings.dpoSettings(seed, policy.config().contextLength());
        // KL to the reference and the after-update metrics are measured on a few pairs (the reward
        // model's held-out ones): a full second pass over the batch would double an update's time.
        List<TokenizedPreference> measured = !probe.isEmpty() ? probe : pairs.subList(Math.max(0, pairs.size() - PROBE_PAIRS), pairs.size());
        SftMixer mixer = sftMixer(policy, endOfText, seed);
        // only what the update reports is measured: the live version waits for every pass
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, reference, pairs, measured, dpoSettings, endOfText, mixer, false,
                referenceLogProbs, step -> progress.step(Stage.POLICY, (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) dpoSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        referenceLogProbs.forget(pairs, dpoMaxLength(policy));
        referenceLogProbs.forget(measured, dpoMaxLength(policy));
        put(metrics, "dpoLossBefore", epochs.get(0).heldOut().loss());
        PreferenceTrainer.Epoch last = epochs.get(epochs.size() - 1);
        if (last.train() != null) put(metrics, "dpoTrainLoss", last.train().loss());
        put(metrics, "dpoLoss", last.heldOut().loss());
        put(metrics, "chosenReward", last.heldOut().chosenReward());
        put(metrics, "rejectedReward", last.heldOut().rejectedReward());
        put(metrics, "margin", last.heldOut().margin());
        put(metrics, "accuracy", last.heldOut().accuracy());
        put(metrics, "kl", last.heldOut().klToReference());
        putSftLoss(metrics, mixer);
        return metrics;
    }

    /**
     * DPO on RM-labelled online pairs ({@link OnlinePairs}) to the batch's prompts and fresh ones of
     * {@code pool}, its learning rate times the online weight. Metrics: {@code onlinePrompts},
     * {@code onlinePairs}, {@code onlineRewardGap} (mean best − worst reward) and, when there were
     * pairs, {@code onlineDpoLoss} (the last epoch's mean) and {@code onlineDpoLossBefore}.
     */
    private Map<String, Double> online(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs,
                                       List<int[]> pool, int endOfText, long seed, Progress progress) {
        UpdateSettings.Online online = settings.online();
        Map<String, Double> metrics = new LinkedHashMap<>();
        int maxNewTokens = Math.min(online.maxNewTokens(), policy.config().contextLength() / 2);
        int room = policy.config().contextLength() - maxNewTokens;
        List<int[]> prompts = new ArrayList<>(distinctPrompts(pairs, room));
        // a seed of its own, apart from DPO's shuffles and the samples' seeds
        long onlineSeed = seed * 1_000_003L + 17;
        if (online.prompts() > 0) prompts.addAll(OnlinePairs.fresh(pool, online.prompts(), prompts, room, onlineSeed));
        OnlinePairs.Result built = OnlinePairs.build(policy, Rloo.Reward.of(rewardModel), prompts, online, onlineSeed, endOfText);
        metrics.put("onlinePrompts", (double) built.prompts());
        metrics.put("onlinePairs", (double) built.pairs().size());
        put(metrics, "onlineRewardGap", built.meanGap());
        if (built.pairs().isEmpty()) return metrics;
        PreferenceSettings dpoSettings = settings.dpoSettings(onlineSeed, policy.config().contextLength())
                .with(s -> s.learningRate = (float) (s.learningRate * online.weight()));
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, reference, built.pairs(), List.of(), dpoSettings, endOfText,
                sftMixer(policy, endOfText, onlineSeed), step -> progress.step(Stage.POLICY, (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) dpoSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        put(metrics, "onlineDpoLossBefore", epochs.get(0).train().loss());
        put(metrics, "onlineDpoLoss", epochs.get(epochs.size() - 1).train().loss());
        return metrics;
    }

    /**
     * RLOO steps on the batch's prompts (each once, in their first pair's order; prompts-per-step of
     * them per step, cycling) against {@code rewardModel}, with the KL penalty to the reference;
     * samples stop at end-of-text. Metrics: {@code prompts}, {@code rewardBefore} (the first step's
     * mean reward: samples of the parent policy), and the last step's {@code reward}, {@code kl}
     * (summed log-ratio log π − log π_ref per answer), {@code totalReward} (reward − β·kl),
     * {@code responseLength} (tokens) and {@code rlooLoss}.
     */
    private Map<String, Double> rloo(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs, int endOfText,
                                     long seed, Progress progress) {
        UpdateSettings.Rloo rloo = settings.rloo();
        // Answers get at most half the context (as a pair's answers do when encoded), prompts the rest.
        int maxNewTokens = Math.min(rloo.maxNewTokens(), policy.config().contextLength() / 2);
        Rloo steps = new Rloo(policy, reference, Rloo.Reward.of(rewardModel), settings.rlooSettings(maxNewTokens, seed), endOfText);
        SftMixer mixer = sftMixer(policy, endOfText, seed);
        steps.mixSft(mixer);
        return onPolicy(policy, pairs, mixer, maxNewTokens, rloo.steps(), rloo.promptsPerStep(), progress, prompts -> {
            Rloo.Metrics m = steps.step(prompts);
            return new OnPolicyStep(m.reward(), m.loss(), Map.of("kl", m.kl(), "totalReward", m.totalReward(),
                    "responseLength", m.responseLength(), "rlooLoss", m.loss()));
        });
    }

    /**
     * PPO rollouts on the batch's prompts (chosen as RLOO's) against {@code rewardModel}, the critic
     * trained alongside. Metrics: {@code prompts}, {@code rewardBefore} (the first rollout's mean
     * reward), and the last step's {@code reward}, {@code kl} (summed log-ratio per answer),
     * {@code responseLength}, {@code ppoLoss} (the clipped surrogate), {@code valueLoss} and
     * {@code clipFraction} (share of answer tokens whose ratio was clipped).
     */
    private Map<String, Double> ppo(Gpt policy, Gpt reference, RewardModel rewardModel, ValueModel critic, List<TokenizedPreference> pairs,
                                    int endOfText, long seed, Progress progress) {
        UpdateSettings.Ppo ppo = settings.ppo();
        int maxNewTokens = Math.min(ppo.maxNewTokens(), policy.config().contextLength() / 2);
        critic.backbone().setDropoutState(seed, 0);
        Ppo steps = new Ppo(policy, reference, critic, Rloo.Reward.of(rewardModel), settings.ppoSettings(maxNewTokens, seed), endOfText);
        SftMixer mixer = sftMixer(policy, endOfText, seed);
        steps.mixSft(mixer);
        return onPolicy(policy, pairs, mixer, maxNewTokens, ppo.steps(), ppo.promptsPerStep(), progress, prompts -> {
            Ppo.Metrics m = steps.step(prompts);
            return new OnPolicyStep(m.reward(), m.policyLoss(), Map.of("kl", m.kl(), "responseLength", m.responseLength(),
                    "ppoLoss", m.policyLoss(), "valueLoss", m.valueLoss(), "clipFraction", m.clipFraction()));
        });
    }

    /**
     * GRPO steps on the batch's prompts (chosen as RLOO's) against {@code rewardModel}. Metrics:
     * {@code prompts}, {@code rewardBefore}, and the last step's {@code reward}, {@code rewardStd}
     * (within groups), {@code kl} (summed log-ratio per answer), {@code responseLength},
     * {@code grpoLoss} and {@code clipFraction}.
     */
    private Map<String, Double> grpo(Gpt policy, Gpt reference, RewardModel rewardModel, List<TokenizedPreference> pairs, int endOfText,
                                     long seed, Progress progress) {
        UpdateSettings.Grpo grpo = settings.grpo();
        int maxNewTokens = Math.min(grpo.maxNewTokens(), policy.config().contextLength() / 2);
        Grpo steps = new Grpo(policy, reference, Rloo.Reward.of(rewardModel), settings.grpoSettings(maxNewTokens, seed), endOfText);
        SftMixer mixer = sftMixer(policy, endOfText, seed);
        steps.mixSft(mixer);
        return onPolicy(policy, pairs, mixer, maxNewTokens, grpo.steps(), grpo.promptsPerStep(), progress, prompts -> {
            Grpo.Metrics m = steps.step(prompts);
            return new OnPolicyStep(m.reward(), m.loss(), Map.of("rewardStd", m.rewardStd(), "kl", m.kl(),
                    "responseLength", m.responseLength(), "grpoLoss", m.loss(), "clipFraction", m.clipFraction()));
        });
    }

    /** One step of an on-policy algorithm: the mean reward of its samples, its loss, and the metrics it reports. */
    private record OnPolicyStep(double reward, double loss, Map<String, Double> metrics) {}

    /**
     * {@code steps} steps of an on-policy algorithm on the batch's distinct prompts, {@code perStep}
     * of them per step, cycling (as RLOO's); the first step's reward is {@code rewardBefore}, the
     * last step's metrics are the update's.
     */
    private Map<String, Double> onPolicy(Gpt policy, List<TokenizedPreference> pairs, SftMixer mixer, int maxNewTokens, int steps, int perStep,
                                         Progress progress, java.util.function.Function<List<int[]>, OnPolicyStep> step) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        List<int[]> prompts = distinctPrompts(pairs, policy.config().contextLength() - maxNewTokens);
        metrics.put("prompts", (double) prompts.size());
        int n = Math.min(perStep, prompts.size());
        OnPolicyStep last = null;
        for (int s = 0; s < steps; s++) {
            List<int[]> stepPrompts = new ArrayList<>();
            for (int i = 0; i < n; i++) stepPrompts.add(prompts.get((s * n + i) % prompts.size()));
            last = step.apply(stepPrompts);
            if (s == 0) put(metrics, "rewardBefore", last.reward());
            progress.step(Stage.POLICY, s + 1, steps, last.loss());
        }
        put(metrics, "reward", last.reward());
        // Map.of has no order: the algorithm's metrics in a stable one, so a replay's metrics compare equal and print alike.
        new java.util.TreeMap<>(last.metrics()).forEach((name, value) -> put(metrics, name, value));
        putSftLoss(metrics, mixer);
        return metrics;
    }

    /**
     * KTO on the batch's ratings (its pairs rated alone, {@link TokenizedFeedback#fromPairs}: chosen
     * up, rejected down; and thumbs raters gave answers alone), measured on the probe ratings (the
     * last few when there is no probe). Metrics: {@code ratings}, {@code ktoLossBefore} and after it
     * {@code ktoLoss}, {@code desirableReward} and {@code undesirableReward} (β·log-ratio of liked and
     * disliked answers), {@code referencePoint} (z), {@code ktoAccuracy} (answers on their side of z)
     * and {@code ktoTrainLoss} (the last epoch's mean). A lone rating trains nothing (the reference
     * point needs two): its update leaves the policy as it was and says so with {@code ratings} = 1.
     */
    private Map<String, Double> kto(Gpt policy, Gpt reference, List<TokenizedFeedback> ratings, List<TokenizedFeedback> probe,
                                    int endOfText, long seed, Progress progress) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("ratings", (double) ratings.size());
        if (ratings.size() < 2) return metrics;
        KtoSettings ktoSettings = settings.ktoSettings(seed, policy.config().contextLength());
        List<TokenizedFeedback> measured = !probe.isEmpty() ? probe
                : ratings.subList(Math.max(0, ratings.size() - 2 * PROBE_PAIRS), ratings.size());
        SftMixer mixer = sftMixer(policy, endOfText, seed);
        List<KtoTrainer.Epoch> epochs = KtoTrainer.train(policy, reference, ratings, measured, ktoSettings,
                endOfText, mixer, step -> progress.step(Stage.POLICY, (long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                        (long) ktoSettings.epochs() * step.stepsPerEpoch(), step.metrics().loss()));
        put(metrics, "ktoLossBefore", epochs.get(0).heldOut().loss());
        KtoTrainer.Epoch last = epochs.get(epochs.size() - 1);
        put(metrics, "ktoTrainLoss", last.train().loss());
        put(metrics, "ktoLoss", last.heldOut().loss());
        put(metrics, "desirableReward", last.heldOut().desirableReward());
        put(metrics, "undesirableReward", last.heldOut().undesirableReward());
        put(metrics, "referencePoint", last.heldOut().referencePoint());
        put(metrics, "ktoAccuracy", last.heldOut().accuracy());
        putSftLoss(metrics, mixer);
        return metrics;
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

    /**
     * A pair cut to fit a context: whole answers up to half the context each, and the end of the
     * prompt (which holds the question) in the rest; empty, identical or out-of-vocabulary answers
     * give null (the pair teaches nothing, or the model cannot read it).
     */
    public static TokenizedPreference fit(int[] prompt, int[] chosen, int[] rejected, int contextLength, int vocabSize) {
        return fit(prompt, prompt, chosen, rejected, contextLength, vocabSize);
    }

    /** As {@link #fit(int[], int[], int[], int, int)} for answers that followed prompts of their own (a follow-up's two sides). */
    public static TokenizedPreference fit(int[] prompt, int[] rejectedPrompt, int[] chosen, int[] rejected, int contextLength, int vocabSize) {
        if (chosen.length == 0 || rejected.length == 0 || Arrays.equals(prompt, rejectedPrompt) && Arrays.equals(chosen, rejected)) return null;
        for (int[] ids : List.of(prompt, rejectedPrompt, chosen, rejected)) {
            for (int id : ids) if (id < 0 || id >= vocabSize) return null;
        }
        int answerRoom = contextLength / 2;
        int[] c = Arrays.copyOf(chosen, Math.min(chosen.length, answerRoom));
        int[] r = Arrays.copyOf(rejected, Math.min(rejected.length, answerRoom));
        int promptRoom = contextLength - Math.max(c.length, r.length);
        int[] p = tail(prompt, promptRoom);
        return new TokenizedPreference(p, c, r, 1.0, rejectedPrompt == prompt ? p : tail(rejectedPrompt, promptRoom));
    }

    private static int[] tail(int[] prompt, int room) {
        return prompt.length > room ? Arrays.copyOfRange(prompt, prompt.length - room, prompt.length) : prompt;
    }

    /** JSON has no NaN: a metric that was not measured is left out. */
    private static void put(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) metrics.put(name, value);
    }
}
