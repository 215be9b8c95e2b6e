package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Matmul;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/** {@code out[N, out] = inp[N, in] · weight[in, out] + bias}, weights in Conv1D layout. */
public final class Linear {

    private Linear() {}

    /** {@code bias} may be {@code null}. */
    public static void forward(float[] out, float[] inp, float[] weight, float[] bias, int rows, int in, int outs) {
        Matmul.multiply(out, 0, inp, 0, false, weight, 0, false, rows, outs, in, false);
        if (bias != null) {
            Parallel.forEach(0, rows, row -> VectorMath.add(bias, 0, out, row * outs, outs));
        }
    }

    /**
     * Writes {@code dinp} (unless {@code null}) and adds into {@code dweight} and {@code dbias}; either
     * may be {@code null} (a frozen weight, a layer without bias) and is then not computed.
     */
    public static void backward(float[] dinp, float[] dweight, float[] dbias, float[] dout, float[] inp, float[] weight,
                                int rows, int in, int outs) {
        if (dinp != null) {
            Matmul.multiply(dinp, 0, dout, 0, false, weight, 0, true, rows, in, outs, false);
        }
        if (dweight != null && dbias != null) {
            // The bias gradient is summed while the weight gradient's product packs dout, not in a pass of its own.
            Matmul.multiplySummingColumnsOfB(dweight, 0, inp, 0, true, dout, 0, in, outs, rows, true, dbias);
            return;
        }
        if (dweight != null) {
            Matmul.multiply(dweight, 0, inp, 0, true, dout, 0, false, in, outs, rows, true);
        }
        if (dbias != null) {
            Parallel.forChunks(0, outs, (from, to) -> {
                for (int row = 0; row < rows; row++) {
                    VectorMath.add(dout, row * outs + from, dbias, from, to - from);
                }
            });
        }
    }
}
