package dev.rlhfloop.llm.rlhf;

/**
 * The clipped surrogate of PPO (Schulman et al., 2017), also GRPO's, for one token:
 * loss = −min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A) with ρ = π(y_t)/π_old(y_t) = exp(log-ratio). Where
 * the clipped term is the smaller one the loss is flat in ρ, so the token gives no gradient: a
 * step never pushes a token's probability further than ε beyond where the samples were drawn.
 */
final class ClippedSurrogate {

    private ClippedSurrogate() {}

    static double loss(double logRatio, double advantage, double epsilon) {
        double ratio = Math.exp(logRatio);
        double clippedRatio = Math.max(1 - epsilon, Math.min(1 + epsilon, ratio));
        return -Math.min(ratio * advantage, clippedRatio * advantage);
    }

    /** d loss / d log π(y_t): −ρ·A where the unclipped term is the minimum, else 0. */
    static double gradient(double logRatio, double advantage, double epsilon) {
        return clipped(logRatio, advantage, epsilon) ? 0 : -Math.exp(logRatio) * advantage;
    }

    /** Whether the clipped term is the (strictly) smaller one, i.e. the token is held at the edge of the trust region. */
    static boolean clipped(double logRatio, double advantage, double epsilon) {
        double ratio = Math.exp(logRatio);
        double clippedRatio = Math.max(1 - epsilon, Math.min(1 + epsilon, ratio));
        return clippedRatio * advantage < ratio * advantage;
    }
}
