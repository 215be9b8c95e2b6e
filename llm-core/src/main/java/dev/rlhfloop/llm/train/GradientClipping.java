package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.Parameter;

import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

import java.util.ArrayList;
import java.util.List;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {

    private static final int CHUNK = 1 << 16;

    private GradientClipping() {}

    /**
     * The L2 norm of all gradients together. Sums run in double over fixed 64K-element chunks of
     * each gradient ({@link #sumOfSquares}), all parameters' chunks in one parallel pass, and are
     * then added in order, so the result does not depend on the thread count.
     */
    public static double globalNorm(List<Parameter> parameters) {
        List<Chunk> chunks = new ArrayList<>();
        for (Parameter p : parameters) {
            if (p.hasGrad()) {
                for (int from = 0; from < p.size(); from += CHUNK) {
                    chunks.add(new Chunk(p.grad(), from));
                }
            }
        }
        double[] partial = new double[chunks.size()];
        Parallel.forEach(0, partial.length, c -> {
            Chunk chunk = chunks.get(c);
            partial[c] = sumOfSquares(chunk.grad(), chunk.from(), Math.min(chunk.grad().length, chunk.from() + CHUNK));
        });
        double sum = 0;
        for (double s : partial) {
            sum += s;
        }
        return Math.sqrt(sum);
    }

    private record Chunk(float[] grad, int from) {}

    /**
     * Σ g[i]² over [from, to) in double, in four interleaved sums added at the end: one running sum
     * waits on its own additions (3.5 of a nano step's ~200 ms went to this), four do not.
     */
    static double sumOfSquares(float[] g, int from, int to) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 3 < to; i += 4) {
            s0 += (double) g[i] * g[i];
            s1 += (double) g[i + 1] * g[i + 1];
            s2 += (double) g[i + 2] * g[i + 2];
            s3 += (double) g[i + 3] * g[i + 3];
        }
        for (; i < to; i++) {
            s0 += (double) g[i] * g[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Scales all gradients so their global norm is at most {@code maxNorm}; returns the norm before clipping. */
    public static double clip(List<Parameter> parameters, double maxNorm) {
        double norm = globalNorm(parameters);
        if (norm > maxNorm && norm > 0) {
            float factor = (float) (maxNorm / (norm + 1e-6));
            List<Parameter> scaled = parameters.stream().filter(Parameter::hasGrad).toList();
            Parallel.forEach(0, scaled.size(), i -> VectorMath.scale(scaled.get(i).grad(), 0, scaled.get(i).size(), factor));
        }
        return norm;
    }
}
