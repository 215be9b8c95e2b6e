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
            float variance = 0f;
            for (int i = 0; i < channels; i++) {
                float d = inp[at + i] - m;
                variance += d * d;
            }
            float s = (float) (1.0 / Math.sqrt(variance / channels + epsilon));
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
        Parallel.forEach(0, rows, row -> {
            int at = row * channels;
            float m = mean[row];
            float s = rstd[row];
            float dnormMean = 0f;
            float dnormNormMean = 0f;
            for (int i = 0; i < channels; i++) {
                float norm = (inp[at + i] - m) * s;
                float dnorm = weight[i] * dout[at + i];
                dnormMean += dnorm;
                dnormNormMean += dnorm * norm;
            }
            dnormMean /= channels;
            dnormNormMean /= channels;
            for (int i = 0; i < channels; i++) {
                float norm = (inp[at + i] - m) * s;
                float dnorm = weight[i] * dout[at + i];
                dinp[at + i] += (dnorm - dnormMean - norm * dnormNormMean) * s;
            }
        });
        // Parameter gradients sum over rows: split by channel so each sum runs in row order.
        Parallel.forChunks(0, channels, (from, to) -> {
            for (int row = 0; row < rows; row++) {
                int at = row * channels;
                float m = mean[row];
                float s = rstd[row];
                for (int i = from; i < to; i++) {
                    float g = dout[at + i];
                    dbias[i] += g;
                    dweight[i] += (inp[at + i] - m) * s * g;
                }
            }
        });
    }
}
