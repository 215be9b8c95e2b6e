package dev.rlhfloop.llm.io;

import java.util.Arrays;

/** A tensor's shape (row-major, outermost first) and float32 values, as a checkpoint file holds it under its name. */
public record TensorData(int[] shape, float[] data) {

    public TensorData {
        long size = elementCount(shape);
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + size + " values, got " + data.length);
        }
    }

    /** The product of the dimensions: 1 for a scalar (empty shape). */
    public static long elementCount(int[] shape) {
        long count = 1;
        for (int dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            count *= dimension;
        }
        return count;
    }

    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
