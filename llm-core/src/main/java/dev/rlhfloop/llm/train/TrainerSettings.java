package dev.rlhfloop.llm.train;

/** How a {@link Trainer} updates: the learning-rate schedule, AdamW, and the gradient-norm ceiling (0 = no clipping). */
public record TrainerSettings(LearningRateSchedule schedule, AdamWSettings adamW, double maxGradNorm) {

    public TrainerSettings {
        if (schedule == null || adamW == null || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("need a schedule, AdamW settings and a non-negative gradient-norm ceiling");
        }
    }

    /** A constant rate, weight decay 0.1 on matrices, PyTorch's betas, clipping at 1.0 (the book's chapter 5 does not clip). */
    public static TrainerSettings constant(float learningRate) {
        return new TrainerSettings(LearningRateSchedule.constant(learningRate), AdamWSettings.torch(0.1f), 1.0);
    }
}
