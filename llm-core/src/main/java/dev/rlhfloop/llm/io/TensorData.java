package dev.rlhfloop.llm.io;

import java.util.Arrays;

/** A named tensor's shape and float32 values, row-major, as stored in a checkpoint file. */
public record TensorData(int[] shape, float[] data) {

    public TensorData {
        long size = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            size *= dim;
        }
        if (size != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + size + " values, got " + data.length);
        }
    }

    @Override
    public String toString() {
        return "TensorData" + Arrays.toString(shape);
    }
}
