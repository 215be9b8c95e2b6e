package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/** Layer normalisation over the last dimension, with gain and bias; saves mean and 1/std for backward. */
public final class LayerNorm {

    private LayerNorm() {}

    public static void forward(float[] out, float[] mean, float[] rstd, float[] inp, float[] weight, float[] bias,
                               int rows, int channels, float epsilon) {
        Parallel.forEach(0, rows, row -> {
            int at = row * channels;
            float m = VectorMath.sum(inp, at, channels) / channels;
            float variance = VectorMath.squaredDeviations(inp, at, channels, m) / channels;
            float s = (float) (1.0 / Math.sqrt(variance + epsilon));
            mean[row] = m;
            rstd[row] = s;
            VectorMath.normalize(inp, at, m, s, weight, bias, out, at, channels);
        });
    }

    /**
     * Adds the input gradient into {@code dinp} (which usually already holds the residual path's
     * gradient) and the parameter gradients into {@code dweight}, {@code dbias}.
     */
    public static void backward(float[] dinp, float[] dweight, float[] dbias, float[] dout, float[] inp,
                                float[] weight, float[] mean, float[] rstd, int rows, int channels) {
        Parallel.forEach(0, rows, row -> VectorMath.layerNormBackward(dinp, dout, inp, row * channels, weight, mean[row],
                rstd[row], channels));
        // Parameter gradients sum over rows: split by channel so each sum runs in row order.
        Parallel.forChunks(0, channels, (from, to) -> {
            for (int row = 0; row < rows; row++) {
                VectorMath.layerNormParameterGradients(dweight, dbias, dout, inp, row * channels, mean[row], rstd[row], from, to);
            }
        });
    }
}
