package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

/**
 * The settings of a {@link PolicyUpdate}, with the one set of defaults that the trainer service,
 * the {@code llm} verbs and the experiments share (the trainer maps its {@code rlhf.trainer.*}
 * properties onto them). An update trains the reward model on the batch ({@link Reward}), then the
 * policy by {@link #algorithm}; {@code batchSize} pairs per step for both; {@code loraRank} 0 trains
 * every weight, above 0 a LoRA adapter of that rank (alpha = rank) over a frozen base;
 * {@code weighByReliability} weights each pair in the reward model's and DPO's losses by its
 * {@link TokenizedPreference#weight} (its rater's reliability), off: every pair weighs 1;
 * {@code sftMix} follows every policy step with a step on the SFT loss of the line's instruction examples.
 */
public record UpdateSettings(PolicyAlgorithm algorithm, int batchSize, int loraRank, Reward reward, Dpo dpo, Rloo rloo, Ppo ppo, Grpo grpo,
                             Kto kto, Online online, SftMix sftMix, boolean weighByReliability) {

    /**
     * Bradley–Terry training of the reward model on the batch; every {@code holdOutEvery}-th pair
     * is held out to measure its accuracy (0 = none).
     */
    public record Reward(float learningRate, int epochs, int holdOutEvery) {
        public Reward {
            require(learningRate > 0 && epochs >= 0 && holdOutEvery >= 0,
                    "reward: need learning-rate > 0, epochs >= 0, hold-out-every >= 0", learningRate, epochs, holdOutEvery);
        }

        /** The values of a {@link Reward} as variables to change. */
        public static final class Draft {
            public float learningRate;
            public int epochs, holdOutEvery;

            Draft(Reward from) {
                learningRate = from.learningRate;
                epochs = from.epochs; holdOutEvery = from.holdOutEvery;
            }

            Reward settings() {
                return new Reward(learningRate, epochs, holdOutEvery);
            }
        }
    }

    /**
     * DPO of each update: β, AdamW's rate and weight decay, epochs over the batch. The defaults (4
     * AdamW steps of 1e-4 per 16 pairs) moved a nano policy to a rater's rule within two or three
     * versions; 1e-3 wrecked it (docs/experiments/2026-11-loop.md).
     */
    public record Dpo(double beta, float learningRate, float weightDecay, int epochs) {
        public Dpo {
            require(beta > 0 && learningRate > 0 && weightDecay >= 0 && epochs >= 0,
                    "dpo: need beta > 0, learning-rate > 0, weight-decay >= 0, epochs >= 0", beta, learningRate, weightDecay, epochs);
        }

        /** The values of a {@link Dpo} as variables to change. */
        public static final class Draft {
            public double beta;
            public float learningRate, weightDecay;
            public int epochs;

            Draft(Dpo from) {
                beta = from.beta;
                learningRate = from.learningRate; weightDecay = from.weightDecay;
                epochs = from.epochs;
            }

            Dpo settings() {
                return new Dpo(beta, learningRate, weightDecay, epochs);
            }
        }
    }

    /**
     * RLOO of each update: {@code steps} updates, each sampling {@code samples} answers (k ≥ 2) of at
     * most {@code maxNewTokens} to {@code promptsPerStep} of the batch's distinct prompts, scored by
     * the reward model, with the KL coefficient {@code beta}. Measured on nano: 7–17 s per update of
     * 16 pairs, 2–4× DPO's (trainer-service/README.md).
     */
    public record Rloo(int steps, int samples, int promptsPerStep, double beta, float learningRate, int maxNewTokens) {
        public Rloo {
            require(steps >= 1 && samples >= 2 && promptsPerStep >= 1 && beta >= 0 && learningRate > 0 && maxNewTokens >= 1,
                    "rloo: need steps >= 1, samples >= 2, prompts-per-step >= 1, beta >= 0, learning-rate > 0, max-new-tokens >= 1",
                    steps, samples, promptsPerStep, beta, learningRate, maxNewTokens);
        }

        /** The values of a {@link Rloo} as variables to change. */
        public static final class Draft {
            public int steps, samples, promptsPerStep, maxNewTokens;
            public double beta;
            public float learningRate;

            Draft(Rloo from) {
                steps = from.steps; samples = from.samples; promptsPerStep = from.promptsPerStep;
                maxNewTokens = from.maxNewTokens;
                beta = from.beta;
                learningRate = from.learningRate;
            }

            Rloo settings() {
                return new Rloo(steps, samples, promptsPerStep, beta, learningRate, maxNewTokens);
            }
        }
    }

    /**
     * PPO of each update ({@link dev.rlhfloop.llm.rlhf.Ppo}): {@code steps} rollouts, each sampling
     * {@code samples} answers of at most {@code maxNewTokens} to {@code promptsPerStep} of the batch's
     * distinct prompts, scored by the reward model, per-token KL coefficient {@code beta}; {@code epochs}
     * optimizer steps per rollout with the ratio clipped at 1 ± {@code clipRange}; the critic (carried
     * from update to update like the reward model) at {@code valueLearningRate}, its values clipped at
     * ± {@code valueClipRange}; GAE's γ and λ. TRL's PPO defaults with RLOO's β; not tuned on the loop.
     */
    public record Ppo(int steps, int samples, int promptsPerStep, double beta, float learningRate, int maxNewTokens, int epochs,
                      double clipRange, float valueLearningRate, double valueClipRange, double gamma, double lambda) {
        public Ppo {
            require(steps >= 1 && samples >= 1 && promptsPerStep >= 1 && beta >= 0 && learningRate > 0 && maxNewTokens >= 1 && epochs >= 1
                            && clipRange > 0 && valueLearningRate > 0 && valueClipRange > 0 && gamma >= 0 && gamma <= 1 && lambda >= 0 && lambda <= 1,
                    "ppo: need steps >= 1, samples >= 1, prompts-per-step >= 1, beta >= 0, learning-rate > 0, max-new-tokens >= 1, "
                            + "epochs >= 1, clip-range > 0, value-learning-rate > 0, value-clip-range > 0, 0 <= gamma, lambda <= 1",
                    steps, samples, promptsPerStep, beta, learningRate, maxNewTokens, epochs, clipRange, valueLearningRate,
                            valueClipRange,
                    gamma, lambda);
        }

        /** The values of a {@link Ppo} as variables to change. */
        public static final class Draft {
            public int steps, samples, promptsPerStep, maxNewTokens, epochs;
            public double beta, clipRange, valueClipRange, gamma, lambda;
            public float learningRate, valueLearningRate;

            Draft(Ppo from) {
                steps = from.steps; samples = from.samples; promptsPerStep = from.promptsPerStep;
                maxNewTokens = from.maxNewTokens; epochs = from.epochs;
                beta = from.beta; clipRange = from.clipRange; valueClipRange = from.valueClipRange; gamma = from.gamma;
                lambda = from.lambda;
                learningRate = from.learningRate; valueLearningRate = from.valueLearningRate;
            }

            Ppo settings() {
                return new Ppo(steps, samples, promptsPerStep, beta, learningRate, maxNewTokens, epochs, clipRange,
                        valueLearningRate, valueClipRange, gamma, lambda);
            }
        }
    }

    /**
     * GRPO of each update ({@link dev.rlhfloop.llm.rlhf.Grpo}): {@code steps} steps, each sampling a
     * group of {@code samples} answers (k ≥ 2) of at most {@code maxNewTokens} to {@code promptsPerStep}
     * of the batch's distinct prompts, advantages relative to the group, per-token KL coefficient
     * {@code beta}, {@code epochs} optimizer steps per group batch, ratio clipped at 1 ± {@code clipRange}.
     * DeepSeekMath's β and ε, TRL's rate; not tuned on the loop.
     */
    public record Grpo(int steps, int samples, int promptsPerStep, double beta, float learningRate, int maxNewTokens, int epochs,
                       double clipRange) {
        public Grpo {
            require(steps >= 1 && samples >= 2 && promptsPerStep >= 1 && beta >= 0 && learningRate > 0 && maxNewTokens >= 1 && epochs >= 1
                            && clipRange > 0,
                    "grpo: need steps >= 1, samples >= 2, prompts-per-step >= 1, beta >= 0, learning-rate > 0, max-new-tokens >= 1, "
                            + "epochs >= 1, clip-range > 0",
                    steps, samples, promptsPerStep, beta, learningRate, maxNewTokens, epochs, clipRange);
        }

        /** The values of a {@link Grpo} as variables to change. */
        public static final class Draft {
            public int steps, samples, promptsPerStep, maxNewTokens, epochs;
            public double beta, clipRange;
            public float learningRate;

            Draft(Grpo from) {
                steps = from.steps; samples = from.samples; promptsPerStep = from.promptsPerStep;
                maxNewTokens = from.maxNewTokens; epochs = from.epochs;
                beta = from.beta; clipRange = from.clipRange;
                learningRate = from.learningRate;
            }

            Grpo settings() {
                return new Grpo(steps, samples, promptsPerStep, beta, learningRate, maxNewTokens, epochs, clipRange);
            }
        }
    }

    /**
     * KTO of each update ({@link KtoTrainer}), on the batch's pairs unpaired ({@link TokenizedFeedback#fromPairs}:
     * chosen = thumbs up, rejected = thumbs down) until single-answer ratings exist: β, the weights of
     * liked and disliked answers, AdamW's rate and weight decay, epochs over the ratings; batches of
     * {@code batchSize} ratings. The paper's and TRL's defaults; not tuned on the loop.
     */
    public record Kto(double beta, double desirableWeight, double undesirableWeight, float learningRate, float weightDecay,
            int epochs) {
        public Kto {
            require(beta > 0 && desirableWeight > 0 && undesirableWeight > 0 && learningRate > 0 && weightDecay >= 0 && epochs >= 0,
                    "kto: need beta > 0, desirable-weight > 0, undesirable-weight > 0, learning-rate > 0, weight-decay >= 0, epochs >= 0",
                    beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs);
        }

        /** The values of a {@link Kto} as variables to change. */
        public static final class Draft {
            public double beta, desirableWeight, undesirableWeight;
            public float learningRate, weightDecay;
            public int epochs;

            Draft(Kto from) {
                beta = from.beta; desirableWeight = from.desirableWeight; undesirableWeight = from.undesirableWeight;
                learningRate = from.learningRate; weightDecay = from.weightDecay;
                epochs = from.epochs;
            }

            Kto settings() {
                return new Kto(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs);
            }
        }
    }

    /**
     * RM-labelled online pairs of a DPO update ({@link OnlinePairs}): after DPO on the human pairs,
     * {@code samples} answers (k; 0 = off, else k ≥ 2) of at most {@code maxNewTokens}, drawn at
     * {@code temperature} from the {@code topK} likeliest tokens (0 = all), to each of the batch's
     * distinct prompts and to {@code prompts} fresh prompts of the caller's pool; the reward model's
     * best against its worst is a pair, and DPO trains on those pairs with its learning rate times
     * {@code weight} (AdamW's step does not scale with the loss, so the weight scales the step).
     */
    public record Online(int samples, int prompts, double weight, int maxNewTokens, float temperature, int topK) {
        public Online {
            require((samples == 0 || samples >= 2) && prompts >= 0 && weight > 0 && maxNewTokens >= 1 && temperature > 0 && topK >= 0,
                    "online: need samples 0 (off) or >= 2, prompts >= 0, weight > 0, max-new-tokens >= 1, temperature > 0, top-k >= 0",
                    samples, prompts, weight, maxNewTokens, temperature, topK);
        }

        public boolean enabled() {
            return samples > 0;
        }

        /** The values of an {@link Online} as variables to change. */
        public static final class Draft {
            public int samples, prompts, maxNewTokens, topK;
            public double weight;
            public float temperature;

            Draft(Online from) {
                samples = from.samples; prompts = from.prompts; maxNewTokens = from.maxNewTokens; topK = from.topK;
                weight = from.weight;
                temperature = from.temperature;
            }

            Online settings() {
                return new Online(samples, prompts, weight, maxNewTokens, temperature, topK);
            }
        }
    }

    /**
     * The SFT mix of every policy step ({@link SftMixer}): after it, one AdamW step at
     * {@code learningRate} on the SFT loss of {@code examples} instruction examples of the line's SFT
     * data (0 = off).
     */
    public record SftMix(float learningRate, int examples) {
        public SftMix {
            require(learningRate >= 0 && examples >= 1, "sft-mix: need learning-rate >= 0 (0 = off), examples >= 1", learningRate, examples);
        }

        public boolean enabled() {
            return learningRate > 0;
        }

        /** The values of an {@link SftMix} as variables to change. */
        public static final class Draft {
            public float learningRate;
            public int examples;

            Draft(SftMix from) {
                learningRate = from.learningRate;
                examples = from.examples;
            }

            SftMix settings() {
                return new SftMix(learningRate, examples);
            }
        }
    }

    public UpdateSettings {
        require(algorithm != null && batchSize >= 1 && loraRank >= 0 && reward != null && dpo != null && rloo != null && ppo != null
                        && grpo != null && kto != null && online != null && sftMix != null,
                "need an algorithm, batch-size >= 1, lora-rank >= 0", algorithm, batchSize, loraRank);
        require(algorithm != PolicyAlgorithm.KTO || batchSize >= 2,
                "kto needs batch-size >= 2 (its reference point pairs each answer with another's)", batchSize);
    }

    /**
     * DPO; batches of 8; full weights; reward model lr 1e-4, 1 epoch, every 5th pair held out; DPO β 0.1, lr 1e-4,
     * decay 0.01, 2 epochs; RLOO 4 steps of k = 4 on 8 prompts, β 0.05, lr 1e-4, 32 new tokens; PPO 4 rollouts of
     * 1 answer to 8 prompts, β 0.05, lr 1e-5 (critic too), 32 new tokens, 4 epochs, ε 0.2 (value 0.2), γ 1, λ 0.95;
     * GRPO 4 steps of k = 4 on 8 prompts, β 0.04, lr 5e-5 (at DeepSeekMath's 1e-5 a nano policy learnt nothing of a rule
     * in 300 votes, at 5e-5 it closed 23.5% of the gap in 2 of 3 seeds, exact match held, at 1e-4 it drifted: docs/benchmarks.md,
     * Loop quality), 32 new tokens, 1 epoch, ε 0.2; KTO β 0.1, λ_D = λ_U = 1,
     * lr 1e-4 (DPO's: at the paper's 5e-6 a nano policy learnt nothing of a rule in 300 votes, at 1e-4 it closed
     * 38–82% of the gap in 3 of 3 seeds, exact match held: docs/benchmarks.md, Loop quality), decay 0.01, 1 epoch; online pairs off (when on: weight 1, 32 new tokens at temperature 0.8, top-k 40 — the
     * answers raters see; off because on the nano model they did not yet beat DPO alone: docs/benchmarks.md, Loop quality);
     * pairs not weighted by their raters' reliability; after every policy step an SFT step at 1e-4 on 8 examples of the
     * line's SFT data (on the 60% nano model, DPO alone cost held-out tasks 4–24 points of exact match within 300 votes;
     * with the mix it stayed within 2: docs/benchmarks.md, Loop quality).
     */
    public static UpdateSettings defaults() {
        return new UpdateSettings(PolicyAlgorithm.DPO, 8, 0,
                new Reward(1e-4f, 1, 5),
                new Dpo(0.1, 1e-4f, 0.01f, 2),
                new Rloo(4, 4, 8, 0.05, 1e-4f, 32),
                new Ppo(4, 1, 8, 0.05, 1e-5f, 32, 4, 0.2, 1e-5f, 0.2, 1.0, 0.95),
                new Grpo(4, 4, 8, 0.04, 5e-5f, 32, 1, 0.2),
                new Kto(0.1, 1.0, 1.0, 1e-4f, 0.01f, 1),
                new Online(0, 0, 1.0, 32, 0.8f, 40),
                new SftMix(1e-4f, 8),
                false);
    }

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.dpo.epochs = 2)}, what
     * JEP 468 will write {@code settings with { ... }}; the parts' values are variables of their own drafts.
     */
    public UpdateSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link UpdateSettings} as variables to change. */
    public static final class Draft {
        public PolicyAlgorithm algorithm;
        public int batchSize, loraRank;
        public final Reward.Draft reward;
        public final Dpo.Draft dpo;
        public final Rloo.Draft rloo;
        public final Ppo.Draft ppo;
        public final Grpo.Draft grpo;
        public final Kto.Draft kto;
        public final Online.Draft online;
        public final SftMix.Draft sftMix;
        public boolean weighByReliability;

        private Draft(UpdateSettings from) {
            reward = new Reward.Draft(from.reward);
            dpo = new Dpo.Draft(from.dpo);
            rloo = new Rloo.Draft(from.rloo);
            ppo = new Ppo.Draft(from.ppo);
            grpo = new Grpo.Draft(from.grpo);
            kto = new Kto.Draft(from.kto);
            online = new Online.Draft(from.online);
            sftMix = new SftMix.Draft(from.sftMix);
            algorithm = from.algorithm;
            batchSize = from.batchSize; loraRank = from.loraRank;
            weighByReliability = from.weighByReliability;
        }

        private UpdateSettings settings() {
            return new UpdateSettings(algorithm, batchSize, loraRank, reward.settings(), dpo.settings(), rloo.settings(),
                    ppo.settings(), grpo.settings(), kto.settings(), online.settings(), sftMix.settings(), weighByReliability);
        }
    }

    /** The reward model's trainer settings for one update ({@code seed} orders its batches; no weight decay beyond DPO's). */
    public PreferenceSettings rewardSettings(long seed, int maxLength) {
        return new PreferenceSettings(dpo.beta(), reward.learningRate(), dpo.weightDecay(), reward.epochs(), batchSize, seed,
                MAX_GRAD_NORM, maxLength);
    }

    /** DPO's trainer settings for one update. */
    public PreferenceSettings dpoSettings(long seed, int maxLength) {
        return new PreferenceSettings(dpo.beta(), dpo.learningRate(), dpo.weightDecay(), dpo.epochs(), batchSize, seed,
                MAX_GRAD_NORM,
                maxLength);
    }

    /** RLOO's engine settings for one update: answers of at most {@code maxNewTokens}, samples drawn from {@code seed}. */
    public RlooSettings rlooSettings(int maxNewTokens, long seed) {
        return new RlooSettings(rloo.samples(), rloo.beta(), rloo.learningRate(), 0f, MAX_GRAD_NORM, maxNewTokens, 1f, seed);
    }

    /** PPO's engine settings for one update: answers of at most {@code maxNewTokens}, samples drawn from {@code seed}. */
    public PpoSettings ppoSettings(int maxNewTokens, long seed) {
        return new PpoSettings(ppo.samples(), ppo.beta(), ppo.clipRange(), ppo.valueClipRange(), ppo.gamma(), ppo.lambda(),
                ppo.epochs(),
                ppo.learningRate(), ppo.valueLearningRate(), 0f, MAX_GRAD_NORM, maxNewTokens, 1f, seed);
    }

    /** GRPO's engine settings for one update: answers of at most {@code maxNewTokens}, samples drawn from {@code seed}. */
    public GrpoSettings grpoSettings(int maxNewTokens, long seed) {
        return new GrpoSettings(grpo.samples(), grpo.beta(), grpo.clipRange(), grpo.epochs(), grpo.learningRate(), 0f,
                MAX_GRAD_NORM,
                maxNewTokens, 1f, seed);
    }

    /** KTO's trainer settings for one update: batches of {@code batchSize} ratings shuffled from {@code seed},
            sequences cut to {@code maxLength}. */
    public KtoSettings ktoSettings(long seed, int maxLength) {
        return new KtoSettings(kto.beta(), kto.desirableWeight(), kto.undesirableWeight(), kto.learningRate(), kto.weightDecay(),
                kto.epochs(),
                batchSize, seed, MAX_GRAD_NORM, maxLength);
    }

    /** Every update clips the gradient's global norm at 1. */
    static final double MAX_GRAD_NORM = 1.0;

    private static void require(boolean ok, String what, Object... values) {
        if (!ok) {
            throw new IllegalArgumentException(what + "; got " + java.util.Arrays.toString(values));
        }
    }
}
