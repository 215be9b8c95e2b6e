package dev.rlhfloop.llm.rlhf;

/**
 * The settings of a {@link PolicyUpdate}, with the one set of defaults that the trainer service,
 * the {@code llm} verbs and the experiments share (the trainer maps its {@code rlhf.trainer.*}
 * properties onto them). An update trains the reward model on the batch ({@link Reward}), then the
 * policy by {@link #algorithm}; {@code batchSize} pairs per step for both; {@code loraRank} 0 trains
 * every weight, above 0 a LoRA adapter of that rank (alpha = rank) over a frozen base.
 */
public record UpdateSettings(PolicyAlgorithm algorithm, int batchSize, int loraRank, Reward reward, Dpo dpo, Rloo rloo) {

    /**
     * Bradley–Terry training of the reward model on the batch; every {@code holdOutEvery}-th pair
     * is held out to measure its accuracy (0 = none).
     */
    public record Reward(float learningRate, int epochs, int holdOutEvery) {
        public Reward {
            require(learningRate > 0 && epochs >= 0 && holdOutEvery >= 0,
                    "reward: need learning-rate > 0, epochs >= 0, hold-out-every >= 0", learningRate, epochs, holdOutEvery);
        }

        public Reward withLearningRate(float value) {
            return new Reward(value, epochs, holdOutEvery);
        }

        public Reward withEpochs(int value) {
            return new Reward(learningRate, value, holdOutEvery);
        }

        public Reward withHoldOutEvery(int value) {
            return new Reward(learningRate, epochs, value);
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

        public Dpo withBeta(double value) {
            return new Dpo(value, learningRate, weightDecay, epochs);
        }

        public Dpo withLearningRate(float value) {
            return new Dpo(beta, value, weightDecay, epochs);
        }

        public Dpo withEpochs(int value) {
            return new Dpo(beta, learningRate, weightDecay, value);
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

        public Rloo withSteps(int value) {
            return new Rloo(value, samples, promptsPerStep, beta, learningRate, maxNewTokens);
        }

        public Rloo withLearningRate(float value) {
            return new Rloo(steps, samples, promptsPerStep, beta, value, maxNewTokens);
        }

        public Rloo withMaxNewTokens(int value) {
            return new Rloo(steps, samples, promptsPerStep, beta, learningRate, value);
        }
    }

    public UpdateSettings {
        require(algorithm != null && batchSize >= 1 && loraRank >= 0 && reward != null && dpo != null && rloo != null,
                "need an algorithm, batch-size >= 1, lora-rank >= 0", algorithm, batchSize, loraRank);
    }

    /** DPO; batches of 8; full weights; reward model lr 1e-4, 1 epoch, every 5th pair held out; DPO β 0.1, lr 1e-4, decay 0.01, 2 epochs; RLOO 4 steps of k = 4 on 8 prompts, β 0.05, lr 1e-4, 32 new tokens. */
    public static UpdateSettings defaults() {
        return new UpdateSettings(PolicyAlgorithm.DPO, 8, 0,
                new Reward(1e-4f, 1, 5),
                new Dpo(0.1, 1e-4f, 0.01f, 2),
                new Rloo(4, 4, 8, 0.05, 1e-4f, 32));
    }

    public UpdateSettings withAlgorithm(PolicyAlgorithm value) {
        return new UpdateSettings(value, batchSize, loraRank, reward, dpo, rloo);
    }

    public UpdateSettings withBatchSize(int value) {
        return new UpdateSettings(algorithm, value, loraRank, reward, dpo, rloo);
    }

    public UpdateSettings withLoraRank(int value) {
        return new UpdateSettings(algorithm, batchSize, value, reward, dpo, rloo);
    }

    public UpdateSettings withReward(Reward value) {
        return new UpdateSettings(algorithm, batchSize, loraRank, value, dpo, rloo);
    }

    public UpdateSettings withDpo(Dpo value) {
        return new UpdateSettings(algorithm, batchSize, loraRank, reward, value, rloo);
    }

    public UpdateSettings withRloo(Rloo value) {
        return new UpdateSettings(algorithm, batchSize, loraRank, reward, dpo, value);
    }

    /** The reward model's trainer settings for one update ({@code seed} orders its batches; no weight decay beyond DPO's). */
    public PreferenceSettings rewardSettings(long seed, int maxLength) {
        return new PreferenceSettings(dpo.beta(), reward.learningRate(), dpo.weightDecay(), reward.epochs(), batchSize, seed,
                MAX_GRAD_NORM, maxLength);
    }

    /** DPO's trainer settings for one update. */
    public PreferenceSettings dpoSettings(long seed, int maxLength) {
        return new PreferenceSettings(dpo.beta(), dpo.learningRate(), dpo.weightDecay(), dpo.epochs(), batchSize, seed, MAX_GRAD_NORM,
                maxLength);
    }

    /** RLOO's engine settings for one update: answers of at most {@code maxNewTokens}, samples drawn from {@code seed}. */
    public RlooSettings rlooSettings(int maxNewTokens, long seed) {
        return new RlooSettings(rloo.samples(), rloo.beta(), rloo.learningRate(), 0f, MAX_GRAD_NORM, maxNewTokens, 1f, seed);
    }

    /** Every update clips the gradient's global norm at 1. */
    static final double MAX_GRAD_NORM = 1.0;

    private static void require(boolean ok, String what, Object... values) {
        if (!ok) {
            throw new IllegalArgumentException(what + "; got " + java.util.Arrays.toString(values));
        }
    }
}
