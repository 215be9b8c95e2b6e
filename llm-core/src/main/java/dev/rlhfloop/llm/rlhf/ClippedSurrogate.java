package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;

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

    /** A loss and its share of answer tokens at the edge of the clip range. */
    record Loss(double loss, double clipFraction) {}

    /**
     * Σ_t w_t·[loss_t + β·k3_t] over the answer positions of {@code batch}, the policy's per-token
     * objective in PPO (w = 1/tokens, β = 0) and GRPO (w = 1/(G·|o_i|)); k3_t = e^q − q − 1 with
     * q = log π_ref(y_t) − log π(y_t) is the per-token KL estimate ({@code referenceLogProbs} may be
     * null when β = 0). With {@code backward}, its gradient is added into the policy's. Dropout stays off.
     */
    static Loss policyLoss(Gpt policy, Batch batch, float[] oldLogProbs, double[] advantages, double[] weights,
                           float[] referenceLogProbs, double beta, double epsilon, boolean backward) {
        policy.setTraining(false);
        float[] logProbs = policy.tokenLogProbs(batch);
        double loss = 0;
        int clipped = 0;
        int tokens = 0;
        float[] d = new float[batch.tokens()];
        for (int at = 0; at < batch.tokens(); at++) {
            if (batch.targets()[at] == Batch.IGNORE) {
                continue;
            }
            double logRatio = logProbs[at] - oldLogProbs[at];
            double term = loss(logRatio, advantages[at], epsilon);
            double dTerm = gradient(logRatio, advantages[at], epsilon);
            if (beta != 0) {
                double q = referenceLogProbs[at] - logProbs[at];
                double eq = Math.exp(q);
                term += beta * (eq - q - 1);
                dTerm += beta * (1 - eq); // d k3 / d log π = 1 − e^q
            }
            loss += weights[at] * term;
            d[at] = (float) (weights[at] * dTerm);
            clipped += clipped(logRatio, advantages[at], epsilon) ? 1 : 0;
            tokens++;
        }
        if (backward) {
            policy.backwardLogProbs(d);
        }
        return new Loss(loss, tokens == 0 ? 0 : (double) clipped / tokens);
    }
}
