package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/** GPT-2's tanh-approximated GELU, element-wise. */
public final class Gelu {

    private static final int CHUNK = 4096;

    private Gelu() {}

    public static void forward(float[] out, float[] inp, int n) {
        Parallel.forEach(0, (n + CHUNK - 1) / CHUNK, chunk -> {
            int from = chunk * CHUNK;
            VectorMath.gelu(inp, from, out, from, Math.min(CHUNK, n - from));
        });
    }

    /**
     * The same over {@code rows} rows of {@code width}, each row on its own, so a row's values do
     * not depend on where the rows of other sequences end (the cached, batched step).
     */
    public static void forwardRows(float[] out, float[] inp, int rows, int width) {
        Parallel.forEach(0, rows, row -> VectorMath.gelu(inp, row * width, out, row * width, width));
    }

    /** {@code dinp = GELU'(inp)·dout}; {@code dinp} may be {@code dout}. */
    public static void backward(float[] dinp, float[] inp, float[] dout, int n) {
        Parallel.forEach(0, (n + CHUNK - 1) / CHUNK, chunk -> {
            int from = chunk * CHUNK;
            VectorMath.geluBackward(inp, from, dout, from, dinp, from, Math.min(CHUNK, n - from));
        });
    }
}
