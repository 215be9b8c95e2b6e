package dev.rlhfloop.llm.rlhf;

/**
 * How {@link Rloo} runs: {@code samples} answers per prompt (k ≥ 2, each one's baseline is the
 * mean reward of the others), the KL coefficient {@code klCoefficient} (β), AdamW's rate and
 * weight decay, the gradient-norm ceiling (0 = none), the longest answer, the sampling temperature
 * (1 samples the policy itself, which the gradient estimate assumes) and the seed of the samples.
 * The defaults are {@link UpdateSettings#defaults()}' ({@link UpdateSettings#rlooSettings}).
 */
public record RlooSettings(int samples, double klCoefficient, float learningRate, float weightDecay, double maxGradNorm,
                           int maxNewTokens, float temperature, long seed) {

    public RlooSettings {
        if (samples < 2 || !(klCoefficient >= 0) || !(learningRate > 0) || !(weightDecay >= 0) || !(maxGradNorm >= 0)
                || maxNewTokens < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException("need samples >= 2, klCoefficient >= 0, learningRate > 0, weightDecay >= 0, "
                    + "maxGradNorm >= 0, maxNewTokens >= 1, temperature > 0; got " + this);
        }
    }

    public RlooSettings withSamples(int value) {
        return new RlooSettings(value, klCoefficient, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public RlooSettings withKlCoefficient(double value) {
        return new RlooSettings(samples, value, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public RlooSettings withLearningRate(float value) {
        return new RlooSettings(samples, klCoefficient, value, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public RlooSettings withMaxNewTokens(int value) {
        return new RlooSettings(samples, klCoefficient, learningRate, weightDecay, maxGradNorm, value, temperature, seed);
    }

    public RlooSettings withSeed(long value) {
        return new RlooSettings(samples, klCoefficient, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, value);
    }
}
