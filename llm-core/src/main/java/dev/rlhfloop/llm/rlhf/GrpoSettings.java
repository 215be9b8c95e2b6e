package dev.rlhfloop.llm.rlhf;

/**
 * How {@link Grpo} runs: {@code samples} answers per prompt (the group, k ≥ 2), the coefficient β
 * of the per-token KL to the reference, the clip range ε, {@code epochs} (optimizer steps over each
 * group batch, μ), AdamW's rate and weight decay, the gradient-norm ceiling (0 = none), the longest
 * answer, the sampling temperature and the seed of the samples.
 * The defaults are {@link UpdateSettings#defaults()}' ({@link UpdateSettings#grpoSettings}).
 */
public record GrpoSettings(int samples, double klCoefficient, double clipRange, int epochs, float learningRate, float weightDecay,
                           double maxGradNorm, int maxNewTokens, float temperature, long seed) {

    public GrpoSettings {
        if (samples < 2 || !(klCoefficient >= 0) || !(clipRange > 0) || epochs < 1 || !(learningRate > 0) || !(weightDecay >= 0)
                || !(maxGradNorm >= 0) || maxNewTokens < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException("need samples >= 2, klCoefficient >= 0, clipRange > 0, epochs >= 1, learningRate > 0, "
                    + "weightDecay >= 0, maxGradNorm >= 0, maxNewTokens >= 1, temperature > 0; got " + this);
        }
    }


    public GrpoSettings withSamples(int value) {
        return new GrpoSettings(value, klCoefficient, clipRange, epochs, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public GrpoSettings withKlCoefficient(double value) {
        return new GrpoSettings(samples, value, clipRange, epochs, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public GrpoSettings withClipRange(double value) {
        return new GrpoSettings(samples, klCoefficient, value, epochs, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public GrpoSettings withEpochs(int value) {
        return new GrpoSettings(samples, klCoefficient, clipRange, value, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public GrpoSettings withLearningRate(float value) {
        return new GrpoSettings(samples, klCoefficient, clipRange, epochs, value, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public GrpoSettings withMaxNewTokens(int value) {
        return new GrpoSettings(samples, klCoefficient, clipRange, epochs, learningRate, weightDecay, maxGradNorm, value, temperature, seed);
    }

    public GrpoSettings withSeed(long value) {
        return new GrpoSettings(samples, klCoefficient, clipRange, epochs, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, value);
    }
}
