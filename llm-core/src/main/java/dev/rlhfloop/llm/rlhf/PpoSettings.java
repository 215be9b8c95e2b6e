package dev.rlhfloop.llm.rlhf;

/**
 * How {@link Ppo} runs: {@code samples} answers per prompt, the per-token KL coefficient
 * {@code klCoefficient} (β), the policy's clip range ε and the critic's {@code valueClipRange},
 * GAE's discount γ ({@code gamma}) and λ ({@code lambda}), {@code epochs} (optimizer steps over each
 * rollout batch), AdamW's rates for the policy and the critic and their weight decay, the
 * gradient-norm ceiling (0 = none), the longest answer, the sampling temperature (1 samples the
 * policy itself, which the ratio assumes) and the seed of the samples.
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

    /**
     * One answer per prompt, β = 0.05, ε = 0.2 for the ratio and the value, γ = 1, λ = 0.95,
     * 4 epochs per rollout, AdamW lr 1e-5 for policy and critic without decay, clipping at 1,
     * 64 new tokens, temperature 1 (TRL's PPO defaults, with RLOO's β and rate).
     */
    public static PpoSettings defaults() {
        return new PpoSettings(1, 0.05, 0.2, 0.2, 1.0, 0.95, 4, 1e-5f, 1e-5f, 0f, 1.0, 64, 1f, 123);
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
