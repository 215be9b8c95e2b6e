package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

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

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.epochs = 2)}, what
     * JEP 468 will write {@code settings with { epochs = 2; }}.
     */
    public PpoSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link PpoSettings} as variables to change. */
    public static final class Draft {
        public int samples, epochs, maxNewTokens;
        public double klCoefficient, clipRange, valueClipRange, gamma, lambda, maxGradNorm;
        public float learningRate, valueLearningRate, weightDecay, temperature;
        public long seed;

        private Draft(PpoSettings from) {
            samples = from.samples; epochs = from.epochs; maxNewTokens = from.maxNewTokens;
            klCoefficient = from.klCoefficient; clipRange = from.clipRange; valueClipRange = from.valueClipRange;
            gamma = from.gamma; lambda = from.lambda; maxGradNorm = from.maxGradNorm;
            learningRate = from.learningRate; valueLearningRate = from.valueLearningRate; weightDecay = from.weightDecay;
            temperature = from.temperature;
            seed = from.seed;
        }

        private PpoSettings settings() {
            return new PpoSettings(samples, klCoefficient, clipRange, valueClipRange, gamma, lambda, epochs, learningRate,
                    valueLearningRate, weightDecay, maxGradNorm, maxNewTokens, temperature, seed);
        }
    }
}
