package dev.rlhfloop.llm.train;

/**
 * AdamW hyper-parameters (the learning rate comes from a {@link LearningRateSchedule} per step).
 * Weight decay applies to matrices only (GPT-2/nanoGPT) unless {@code decayAllParameters}, which
 * is what {@code torch.optim.AdamW(model.parameters())} does, as in the book.
 */
public record AdamWSettings(float beta1, float beta2, float epsilon, float weightDecay, boolean decayAllParameters) {

    /** Decay on matrices only. */
    public AdamWSettings(float beta1, float beta2, float epsilon, float weightDecay) {
        this(beta1, beta2, epsilon, weightDecay, false);
    }

    public AdamWSettings {
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1)");
        }
        if (!(epsilon > 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("epsilon must be positive and weight decay non-negative");
        }
    }

    /** nanoGPT's defaults: betas (0.9, 0.95), epsilon 1e-8, weight decay 0.1. */
    public static AdamWSettings defaults() {
        return new AdamWSettings(0.9f, 0.95f, 1e-8f, 0.1f);
    }

    /** PyTorch's {@code torch.optim.AdamW} defaults but with the given decay: betas (0.9, 0.999), epsilon 1e-8. */
    public static AdamWSettings torch(float weightDecay) {
        return new AdamWSettings(0.9f, 0.999f, 1e-8f, weightDecay);
    }

    /** The same, with weight decay on every parameter (biases and norm gains too). */
    public AdamWSettings withDecayOnAllParameters() {
        return new AdamWSettings(beta1, beta2, epsilon, weightDecay, true);
    }
}
