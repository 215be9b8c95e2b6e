package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.Parameter;

import java.util.List;

/** Global-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradientClipping {

    private GradientClipping() {}

    /** The L2 norm of all gradients together, summed in a fixed order in double. */
    public static double globalNorm(List<Parameter> parameters) {
        double sum = 0;
        for (Parameter p : parameters) {
            if (!p.hasGrad()) {
                continue;
            }
            for (float g : p.grad()) {
                sum += (double) g * g;
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
