package dev.rlhfloop.llm.rlhf;

/**
 * How {@link PreferenceTrainer} runs: DPO's β (unused by the reward model), AdamW's learning rate
 * and weight decay, epochs over the pairs, pairs per update, the seed of the shuffling order, the
 * gradient-norm ceiling (0 = none) and the longest sequence (prompt + answer) kept. The defaults
 * are {@link UpdateSettings#defaults()}' ({@link UpdateSettings#dpoSettings}).
 */
public record PreferenceSettings(double beta, float learningRate, float weightDecay, int epochs, int batchSize,
                                 long seed, double maxGradNorm, int maxLength) {

    public PreferenceSettings {
        if (!(beta > 0) || !(learningRate > 0) || !(weightDecay >= 0) || epochs < 0 || batchSize <= 0 || !(maxGradNorm >= 0)
                || maxLength < 2) {
            throw new IllegalArgumentException("need beta > 0, learningRate > 0, weightDecay >= 0, epochs >= 0, batchSize > 0, "
                    + "maxGradNorm >= 0, maxLength >= 2; got " + this);
        }
    }

    public PreferenceSettings withBeta(double value) {
        return new PreferenceSettings(value, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public PreferenceSettings withLearningRate(float value) {
        return new PreferenceSettings(beta, value, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public PreferenceSettings withWeightDecay(float value) {
        return new PreferenceSettings(beta, learningRate, value, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public PreferenceSettings withEpochs(int value) {
        return new PreferenceSettings(beta, learningRate, weightDecay, value, batchSize, seed, maxGradNorm, maxLength);
    }

    public PreferenceSettings withBatchSize(int value) {
        return new PreferenceSettings(beta, learningRate, weightDecay, epochs, value, seed, maxGradNorm, maxLength);
    }

    public PreferenceSettings withSeed(long value) {
        return new PreferenceSettings(beta, learningRate, weightDecay, epochs, batchSize, value, maxGradNorm, maxLength);
    }

    public PreferenceSettings withMaxLength(int value) {
        return new PreferenceSettings(beta, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, value);
    }
}
