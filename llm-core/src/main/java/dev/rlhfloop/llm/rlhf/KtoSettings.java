package dev.rlhfloop.llm.rlhf;

import java.util.function.Consumer;

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

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.epochs = 2)}, what
     * JEP 468 will write {@code settings with { epochs = 2; }}.
     */
    public KtoSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link KtoSettings} as variables to change. */
    public static final class Draft {
        public double beta, desirableWeight, undesirableWeight, maxGradNorm;
        public float learningRate, weightDecay;
        public int epochs, batchSize, maxLength;
        public long seed;

        private Draft(KtoSettings from) {
            beta = from.beta; desirableWeight = from.desirableWeight; undesirableWeight = from.undesirableWeight;
            maxGradNorm = from.maxGradNorm;
            learningRate = from.learningRate; weightDecay = from.weightDecay;
            epochs = from.epochs; batchSize = from.batchSize; maxLength = from.maxLength;
            seed = from.seed;
        }

        private KtoSettings settings() {
            return new KtoSettings(beta, desirableWeight, undesirableWeight, learningRate, weightDecay, epochs, batchSize, seed,
                    maxGradNorm, maxLength);
        }
    }
}
