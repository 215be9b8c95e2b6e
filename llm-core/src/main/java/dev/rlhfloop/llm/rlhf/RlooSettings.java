package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

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

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.epochs = 2)}, what
     * JEP 468 will write {@code settings with { epochs = 2; }}.
     */
    public RlooSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link RlooSettings} as variables to change. */
    public static final class Draft {
        public int samples, maxNewTokens;
        public double klCoefficient, maxGradNorm;
        public float learningRate, weightDecay, temperature;
        public long seed;

        private Draft(RlooSettings from) {
            samples = from.samples; maxNewTokens = from.maxNewTokens;
            klCoefficient = from.klCoefficient; maxGradNorm = from.maxGradNorm;
            learningRate = from.learningRate; weightDecay = from.weightDecay; temperature = from.temperature;
            seed = from.seed;
        }

        private RlooSettings settings() {
            return new RlooSettings(samples, klCoefficient, learningRate, weightDecay, maxGradNorm, maxNewTokens, temperature,
                    seed);
        }
    }
}
