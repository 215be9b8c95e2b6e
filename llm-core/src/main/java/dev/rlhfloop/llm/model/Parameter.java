package dev.rlhfloop.llm.model;

import java.util.Arrays;

/**
 * One named, trainable tensor: its values and, once a backward pass has run, its gradient.
 * Matrices are stored row-major; linear weights as {@code [in, out]} (Hugging Face's Conv1D
 * layout, so GPT-2 checkpoints map without transposes), embeddings as {@code [rows, dim]}.
 */
public final class Parameter {

    private final String name;
    private final int[] shape;
    private final float[] data;
    private float[] grad;

    public Parameter(String name, int... shape) {
        this.name = name;
        this.shape = shape.clone();
        long size = 1;
        for (int dim : shape) {
            size *= dim;
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + " is too large for one array: " + Arrays.toString(shape));
        }
        this.data = new float[(int) size];
    }

    /** The Hugging Face GPT-2 name, e.g. {@code h.0.attn.c_attn.weight}. */
    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return data.length;
    }

    /** Weight decay applies to matrices (weights and embeddings), not to biases and norm gains. */
    public boolean isMatrix() {
        return shape.length >= 2;
    }

    public float[] data() {
        return data;
    }

    /** The gradient, allocated (zeroed) on first use, so inference-only models never pay for it. */
    public float[] grad() {
        if (grad == null) {
            grad = new float[data.length];
        }
        return grad;
    }

    public boolean hasGrad() {
        return grad != null;
    }

    public void zeroGrad() {
        if (grad != null) {
            Arrays.fill(grad, 0f);
        }
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
