package dev.rlhfloop.llm.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each Vector API kernel against a plain scalar loop, at lengths below, at and past the lane count with tails. */
class VectorMathTest {

    private static float[] randoms(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * 2);
        }
        return x;
    }

    private static void assertClose(float[] expected, float[] actual, float tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1f, Math.abs(expected[i])), "index " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 8, 16, 17, 24, 31, 33, 64, 65, 72, 100, 127, 130})
    void weightedRowsIsTheInOrderFmaChainOfEachOutput(int n) {
        Random random = new Random(n);
        for (int count : new int[] {1, 7, 64}) {
            int stride = n + 3;
            float[] rows = randoms(random, 2 + count * stride);
            float[] weights = randoms(random, 1 + count);
            float[] out = randoms(random, 4 + n);
            float[] expected = out.clone();
            for (int i = 0; i < n; i++) {
                float sum = 0f;
                for (int j = 0; j < count; j++) {
                    sum = Math.fma(rows[2 + j * stride + i], weights[1 + j], sum);
                }
                expected[3 + i] = sum;
            }
            VectorMath.weightedRows(out, 3, weights, 1, rows, 2, stride, count, n);
            for (int i = 0; i < out.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(out[i]), "count " + count + ", index " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 16, 17, 33, 100, 4096, 50257})
    void sumExpShiftedIsTheSoftmaxDenominatorAndLeavesItsInput(int n) {
        Random random = new Random(n);
        float[] x = randoms(random, n + 3);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 8;
        }
        float[] before = x.clone();
        double expected = 0;
        for (int i = 2; i < 2 + n; i++) {
            expected += Math.exp(x[i] - 1.5);
        }
        assertEquals(expected, VectorMath.sumExpShifted(x, 2, n, 1.5f), expected * 1e-5);
        assertArrayEquals(before, x);
    }

    @org.junit.jupiter.api.Test
    void expAndTanhAreAccurateAcrossTheRange() {
        jdk.incubator.vector.VectorSpecies<Float> species = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;
        float[] in = new float[species.length()];
        float[] out = new float[species.length()];
        double worstExp = 0, worstTanh = 0;
        for (float x = -86f; x < 88f; x += 0.01f * species.length()) {
            for (int i = 0; i < in.length; i++) {
                in[i] = x + 0.01f * i;
            }
            VectorMath.exp(jdk.incubator.vector.FloatVector.fromArray(species, in, 0)).intoArray(out, 0);
            for (int i = 0; i < in.length; i++) {
                double expected = Math.exp(in[i]);
                worstExp = Math.max(worstExp, Math.abs(out[i] - expected) / expected);
            }
            if (Math.abs(x) < 20) {
                VectorMath.tanh(jdk.incubator.vector.FloatVector.fromArray(species, in, 0)).intoArray(out, 0);
                for (int i = 0; i < in.length; i++) {
                    worstTanh = Math.max(worstTanh, Math.abs(out[i] - Math.tanh(in[i])));
                }
            }
        }
        assertEquals(0, worstExp, 3e-7, "relative error of exp");
        assertEquals(0, worstTanh, 2e-7, "absolute error of tanh");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 16, 17, 64, 100, 1031})
    void kernelsMatchScalarLoops(int n) {
        Random random = new Random(n);
        int off = 3;
        float[] a = randoms(random, n + off);
        float[] b = randoms(random, n + off);

        double dot = 0, sum = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            dot += (double) a[off + i] * b[i];
            sum += a[off + i];
            max = Math.max(max, a[off + i]);
        }
        assertEquals(dot, VectorMath.dot(a, off, b, 0, n), 1e-4 * Math.max(1, Math.abs(dot)) + 1e-4 * n);
        assertEquals(sum, VectorMath.sum(a, off, n), 1e-4 * n);
        assertEquals(max, VectorMath.max(a, off, n));

        float[] y = b.clone();
        float[] expected = b.clone();
        for (int i = 0; i < n; i++) {
            expected[off + i] += 0.7f * a[i];
        }
        VectorMath.axpy(0.7f, a, 0, y, off, n);
        assertClose(expected, y, 1e-6f);

        y = b.clone();
        expected = b.clone();
        for (int i = 0; i < n; i++) {
            expected[i] += a[off + i];
        }
        VectorMath.add(a, off, y, 0, n);
        assertClose(expected, y, 1e-6f);

        y = a.clone();
        expected = a.clone();
        for (int i = 0; i < n; i++) {
            expected[off + i] *= -1.5f;
        }
        VectorMath.scale(y, off, n, -1.5f);
        assertClose(expected, y, 1e-6f);

        y = a.clone();
        expected = a.clone();
        double expSum = 0;
        for (int i = 0; i < n; i++) {
            expected[off + i] = (float) Math.exp(a[off + i] - 0.5f);
            expSum += expected[off + i];
        }
        assertEquals(expSum, VectorMath.expShifted(y, off, n, 0.5f), 1e-5 * expSum);
        assertClose(expected, y, 1e-5f);

        float[] gelu = new float[n];
        float[] dgelu = new float[n];
        float[] geluExpected = new float[n];
        float[] dgeluExpected = new float[n];
        double c = Math.sqrt(2 / Math.PI);
        for (int i = 0; i < n; i++) {
            double x = a[off + i];
            double t = Math.tanh(c * (x + 0.044715 * x * x * x));
            geluExpected[i] = (float) (0.5 * x * (1 + t));
            double grad = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
            dgeluExpected[i] = (float) (grad * b[i]);
        }
        VectorMath.gelu(a, off, gelu, 0, n);
        VectorMath.geluBackward(a, off, b, 0, dgelu, 0, n);
        assertClose(geluExpected, gelu, 1e-5f);
        assertClose(dgeluExpected, dgelu, 1e-5f);

        float[] grads = b.clone();
        float[] gradsExpected = b.clone();
        for (int i = 0; i < n; i++) {
            gradsExpected[off + i] = a[off + i] * (b[off + i] - 0.3f) * 0.125f;
        }
        VectorMath.softmaxBackward(a, grads, off, n, 0.3f, 0.125f);
        assertClose(gradsExpected, grads, 1e-5f);

        float[] weight = randoms(random, n);
        float[] bias = randoms(random, n);
        float[] norm = new float[n];
        float[] normExpected = new float[n];
        for (int i = 0; i < n; i++) {
            normExpected[i] = (a[off + i] - 0.25f) * 1.5f * weight[i] + bias[i];
        }
        VectorMath.normalize(a, off, 0.25f, 1.5f, weight, bias, norm, 0, n);
        assertClose(normExpected, norm, 1e-5f);

        double squares = 0;
        for (int i = 0; i < n; i++) {
            squares += (a[off + i] - 0.25) * (a[off + i] - 0.25);
        }
        assertEquals(squares, VectorMath.squaredDeviations(a, off, n, 0.25f), 1e-5 * squares);

        // LayerNorm backward on one row, in double: x̂ = (x − mean)·rstd, g = weight·dy
        float[] dy = randoms(random, n + off);
        float[] dx = randoms(random, n + off);
        float[] dxExpected = dx.clone();
        double gMean = 0, gNormMean = 0;
        for (int i = 0; i < n; i++) {
            double g = (double) weight[i] * dy[off + i];
            gMean += g / n;
            gNormMean += g * ((a[off + i] - 0.25) * 1.5) / n;
        }
        for (int i = 0; i < n; i++) {
            double xHat = (a[off + i] - 0.25) * 1.5;
            dxExpected[off + i] += (float) (((double) weight[i] * dy[off + i] - gMean - xHat * gNormMean) * 1.5);
        }
        VectorMath.layerNormBackward(dx, dy, a, off, weight, 0.25f, 1.5f, n);
        assertClose(dxExpected, dx, 1e-5f);

        // the parameter gradients over an inner column range, element-wise in the scalar order, so exact
        int from = n / 3;
        float[] dweight = randoms(random, n);
        float[] dbias = randoms(random, n);
        float[] dweightExpected = dweight.clone();
        float[] dbiasExpected = dbias.clone();
        for (int i = from; i < n; i++) {
            dbiasExpected[i] += dy[off + i];
            dweightExpected[i] += (a[off + i] - 0.25f) * 1.5f * dy[off + i];
        }
        VectorMath.layerNormParameterGradients(dweight, dbias, dy, a, off, 0.25f, 1.5f, from, n);
        assertClose(dbiasExpected, dbias, 0f);
        assertClose(dweightExpected, dweight, 0f);
    }
}
