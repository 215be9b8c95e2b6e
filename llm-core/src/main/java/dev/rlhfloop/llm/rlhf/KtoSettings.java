package dev.rlhfloop.llm.rlhf;

/**
 * How {@link KtoTrainer} runs: KTO's β, the weights λ_D of desirable and λ_U of undesirable
 * answers, AdamW's learning rate and weight decay, epochs over the ratings, ratings per update,
 * the seed of the shuffling order, the gradient-norm ceiling (0 = none) and the longest sequence
 * (prompt + answer) kept.
 * The defaults are {@link UpdateSettings#defaults()}' ({@link UpdateSettings#ktoSettings}).
 */
public record KtoSettings(double beta, double desirableWeight, double undesirableWeight, float learningRate, float weightDecay,
                          int epochs, int batchSize, long seed, double maxGradNorm, int maxLength) {

    public KtoSettings {
        if (!(beta > 0) || !(desirableWeight > 0) || !(undesirableWeight > 0) || !(learningRate > 0) || !(weightDecay >= 0)
                || epochs < 0 || batchSize < 2 || !(maxGradNorm >= 0) || maxLength < 2) {
            throw new IllegalArgumentException("need beta > 0, desirableWeight > 0, undesirableWeight > 0, learningRate > 0, "
                    + "weightDecay >= 0, epochs >= 0, batchSize >= 2 (the reference point pairs each prompt with another answer), "
                    + "maxGradNorm >= 0, maxLength >= 2; got " + this);
        }
    }


    public KtoSettings withBeta(double value) {
        return new KtoSettings(value, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public KtoSettings withWeights(double desirable, double undesirable) {
        return new KtoSettings(beta, desirable, undesirable, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public KtoSettings withLearningRate(float value) {
        return new KtoSettings(beta, desirableWeight, undesirableWeight, value, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
    }

    public KtoSettings withEpochs(int value) {
        return new KtoSettings(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, value, batchSize, seed, maxGradNorm, maxLength);
    }

    public KtoSettings withBatchSize(int value) {
        return new KtoSettings(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs, value, seed, maxGradNorm, maxLength);
    }

    public KtoSettings withSeed(long value) {
        return new KtoSettings(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs, batchSize, value, maxGradNorm, maxLength);
    }

    public KtoSettings withMaxLength(int value) {
        return new KtoSettings(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, value);
    }
}
