package dev.rlhfloop.llm.rlhf;

/**
 * How {@link Ppo} runs: {@code samples} answers per prompt, the per-token KL coefficient
 * {@code klCoefficient} (β), the policy's clip range ε and the critic's {@code valueClipRange},
 * GAE's discount γ ({@code gamma}) and λ ({@code lambda}), {@code epochs} (optimizer steps over each
 * rollout batch), AdamW's rates for the policy and the critic and their weight decay, the
 * gradient-norm ceiling (0 = none), the longest answer, the sampling temperature (1 samples the
 * policy itself, which the ratio assumes) and the seed of the samples.
 * The defaults are {@link UpdateSettings#defaults()}' ({@link UpdateSettings#ppoSettings}).
 */
public record PpoSettings(int samples, double klCoefficient, double clipRange, double valueClipRange, double gamma, double lambda,
                          int epochs, float learningRate, float valueLearningRate, float weightDecay, double maxGradNorm,
                          int maxNewTokens, float temperature, long seed) {

    public PpoSettings {
        if (samples < 1 || !(klCoefficient >= 0) || !(clipRange > 0) || !(valueClipRange > 0) || !(gamma >= 0 && gamma <= 1)
                || !(lambda >= 0 && lambda <= 1) || epochs < 1 || !(learningRate > 0) || !(valueLearningRate > 0)
                || !(weightDecay >= 0) || !(maxGradNorm >= 0) || maxNewTokens < 1 || !(temperature > 0)) {
            throw new IllegalArgumentException("need samples >= 1, klCoefficient >= 0, clipRange > 0, valueClipRange > 0, "
                    + "0 <= gamma <= 1, 0 <= lambda <= 1, epochs >= 1, learningRate > 0, valueLearningRate > 0, weightDecay >= 0, "
                    + "maxGradNorm >= 0, maxNewTokens >= 1, temperature > 0; got " + this);
        }
    }


    public PpoSettings withSamples(int value) {
        return new PpoSettings(value, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withKlCoefficient(double value) {
        return new PpoSettings(samples, value, clipRange, valueClipRange, gamma, lambda, epochs, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withClipRange(double value) {
        return new PpoSettings(samples, klCoefficient, value, valueClipRange, gamma, lambda, epochs, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withEpochs(int value) {
        return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, value, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withLearningRate(float value) {
        return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, value, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withValueLearningRate(float value) {
        return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, learningRate, value,
                weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
    }

    public PpoSettings withMaxNewTokens(int value) {
        return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, value, temperature, seed);
    }

    public PpoSettings withSeed(long value) {
        return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, learningRate, valueLearningRate,
                weightDecay, maxGradNorm, maxNewTokens, temperature, value);
    }
}
