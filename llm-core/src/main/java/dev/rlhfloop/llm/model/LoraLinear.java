package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Matmul;

/**
 * The low-rank path beside a {@link Linear}: {@code out += down · Bᵀ} with
 * {@code down = scaling · inp · Aᵀ [rows, rank]}, {@code A [rank, in]}, {@code B [out, rank]}
 * (PEFT's {@code lora_A} / {@code lora_B} shapes).
 */
public final class LoraLinear {

    private LoraLinear() {}

    /** Adds the adapter's output into {@code out} and keeps {@code down} for the backward pass. */
    public static void forward(float[] out, float[] down, float[] inp, float[] a, float[] b, float scaling,
                               int rows, int in, int outs, int rank) {
        forward(out, down, inp, 0, a, b, scaling, rows, in, outs, rank);
    }

    /** The same for {@code rows} rows of {@code inp} and {@code out} from row {@code firstRow}. */
    public static void forward(float[] out, float[] down, float[] inp, int firstRow, float[] a, float[] b, float scaling,
                               int rows, int in, int outs, int rank) {
        Matmul.multiply(down, 0, inp, firstRow * in, false, a, 0, true, rows, rank, in, false);
        for (int i = 0; i < rows * rank; i++) {
            down[i] *= scaling;
        }
        Matmul.multiply(out, firstRow * outs, down, 0, false, b, 0, true, rows, outs, rank, true);
    }

    /**
     * Adds into {@code dinp}, {@code da} and {@code db}; {@code ddown [rows, rank]} is scratch.
     * {@code down} is what {@link #forward} kept.
     */
    public static void backward(float[] dinp, float[] da, float[] db, float[] ddown, float[] dout, float[] inp, float[] down,
                                float[] a, float[] b, float scaling, int rows, int in, int outs, int rank) {
        Matmul.multiply(db, 0, dout, 0, true, down, 0, false, outs, rank, rows, true);
        Matmul.multiply(ddown, 0, dout, 0, false, b, 0, false, rows, rank, outs, false);
        for (int i = 0; i < rows * rank; i++) {
            ddown[i] *= scaling;
        }
        Matmul.multiply(da, 0, ddown, 0, true, inp, 0, false, rank, in, rows, true);
        Matmul.multiply(dinp, 0, ddown, 0, false, a, 0, false, rows, in, rank, true);
    }

    /** {@code weight [in, out] += scaling · Aᵀ · Bᵀ}: the adapter folded into the projection. */
    public static void merge(float[] weight, float[] a, float[] b, float scaling, int in, int outs, int rank) {
        float[] delta = new float[in * outs];
        Matmul.multiply(delta, 0, a, 0, true, b, 0, true, in, outs, rank, false);
        for (int i = 0; i < delta.length; i++) {
            weight[i] += scaling * delta[i];
        }
    }
}
