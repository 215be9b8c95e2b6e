package dev.rlhfloop.llm.train;

/**
 * Linear warmup from 0 to {@code maxRate} over {@code warmupSteps}, then cosine decay to
 * {@code minRate} at {@code totalSteps}, and {@code minRate} after (nanoGPT's schedule).
 */
public record LearningRateSchedule(float maxRate, float minRate, int warmupSteps, int totalSteps) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < warmupSteps || maxRate < minRate || minRate < 0) {
            throw new IllegalArgumentException("need 0 <= warmupSteps <= totalSteps and 0 <= minRate <= maxRate");
        }
    }

    public static LearningRateSchedule constant(float rate) {
        return new LearningRateSchedule(rate, rate, 0, 0);
    }

    /** The rate for update number {@code step}, counting from 0. */
    public float at(long step) {
        if (step < warmupSteps) {
            return maxRate * (step + 1) / warmupSteps;
        }
        if (step >= totalSteps) {
            return minRate;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return (float) (minRate + 0.5 * (1 + Math.cos(Math.PI * progress)) * (maxRate - minRate));
    }
}
