package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

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

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.epochs = 2)}, what
     * JEP 468 will write {@code settings with { epochs = 2; }}.
     */
    public GrpoSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link GrpoSettings} as variables to change. */
    public static final class Draft {
        public int samples, epochs, maxNewTokens;
        public double klCoefficient, clipRange, maxGradNorm;
        public float learningRate, weightDecay, temperature;
        public long seed;

        private Draft(GrpoSettings from) {
            samples = from.samples; epochs = from.epochs; maxNewTokens = from.maxNewTokens;
            klCoefficient = from.klCoefficient; clipRange = from.clipRange; maxGradNorm = from.maxGradNorm;
            learningRate = from.learningRate; weightDecay = from.weightDecay; temperature = from.temperature;
            seed = from.seed;
        }

        private GrpoSettings settings() {
            return new GrpoSettings(samples, klCoefficient, clipRange, epochs, learningRate, weightDecay, maxGradNorm,
                    maxNewTokens, temperature, seed);
        }
    }
}
