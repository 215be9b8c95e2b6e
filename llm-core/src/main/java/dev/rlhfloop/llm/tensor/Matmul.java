package dev.rlhfloop.llm.tensor;

/**
 * Row-major matrix products, the one kernel that serves the forward pass and both backward
 * products of every linear layer.
 *
 * <p>{@code c[m×n] (+)= op(a) · op(b)} where {@code op(a)} is {@code a[m×k]} or, transposed,
 * {@code a} stored as {@code [k×m]}; likewise {@code op(b)} is {@code b[k×n]} or {@code b} stored
 * as {@code [n×k]}. Each operand starts at its offset and is densely packed.
 *
 * <p>This scalar version is the reference the fast kernel is tested against.
 */
public final class Matmul {

    private Matmul() {}

    public static void multiply(float[] c, int cOffset,
                                float[] a, int aOffset, boolean transposeA,
                                float[] b, int bOffset, boolean transposeB,
                                int m, int n, int k, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transposeA ? a[aOffset + p * m + i] : a[aOffset + i * k + p];
                    float bv = transposeB ? b[bOffset + j * k + p] : b[bOffset + p * n + j];
                    sum += av * bv;
                }
                int at = cOffset + i * n + j;
                c[at] = accumulate ? c[at] + sum : sum;
            }
        }
    }
}
