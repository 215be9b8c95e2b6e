package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.Parameter;

import dev.rlhfloop.llm.tensor.Parallel;

import java.util.List;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {

    private static final int CHUNK = 1 << 16;

    private GradientClipping() {}

    /**
     * The L2 norm of all gradients together. Sums run in double over fixed 64K-element chunks
     * (in parallel) and are then added in order, so the result does not depend on the thread count.
     */
    public static double globalNorm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            if (!p.hasGrad()) {
                continue;
            }
            float[] g = p.grad();
            int chunks = (g.length + CHUNK - 1) / CHUNK;
            double[] partial = new double[chunks];
            Parallel.forEach(0, chunks, c -> {
                double s = 0;
                for (int i = c * CHUNK, end = Math.min(g.length, (c + 1) * CHUNK); i < end; i++) {
                    s += (double) g[i] * g[i];
                }
                partial[c] = s;
            });
            for (double s : partial) {
                sum += s;
            }
        }
        return Math.sqrt(sum);
    }

    /** Scales all gradients so their global norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clip(List<Parameter> parameters, double maxNorm) {
        double norm = globalNorm(parameters);
        if (norm > maxNorm && norm > 0) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            for (Parameter p : parameters) {
                if (p.hasGrad()) {
                    dev.rlhfloop.llm.tensor.VectorMath.scale(p.grad(), 0, p.size(), factor);
                }
            }
        }
        return norm;
    }
}
