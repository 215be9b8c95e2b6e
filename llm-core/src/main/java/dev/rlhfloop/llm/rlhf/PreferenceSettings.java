package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

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

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.epochs = 2)}, what
     * JEP 468 will write {@code settings with { epochs = 2; }}.
     */
    public PreferenceSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link PreferenceSettings} as variables to change. */
    public static final class Draft {
        public double beta, maxGradNorm;
        public float learningRate, weightDecay;
        public int epochs, batchSize, maxLength;
        public long seed;

        private Draft(PreferenceSettings from) {
            beta = from.beta; maxGradNorm = from.maxGradNorm;
            learningRate = from.learningRate; weightDecay = from.weightDecay;
            epochs = from.epochs; batchSize = from.batchSize; maxLength = from.maxLength;
            seed = from.seed;
        }

        private PreferenceSettings settings() {
            return new PreferenceSettings(beta, learningRate, weightDecay, epochs, batchSize, seed, maxGradNorm, maxLength);
        }
    }
}
