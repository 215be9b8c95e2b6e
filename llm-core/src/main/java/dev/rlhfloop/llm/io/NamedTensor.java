package dev.rlhfloop.llm.io;

import java.util.Arrays;

/** One tensor as files hold it: a name, a shape (row-major, outermost first) and its values. */
public record NamedTensor(String name, int[] shape, float[] data) {

    public NamedTensor {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tensor needs a name");
        }
        shape = shape.clone();
        long count = elementCount(shape);
        if (count != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds "
                    + count + " values but " + data.length + " were given");
        }
    }

    @Override
    public int[] shape() {
        return shape.clone();
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
        return name + Arrays.toString(shape);
    }
}
