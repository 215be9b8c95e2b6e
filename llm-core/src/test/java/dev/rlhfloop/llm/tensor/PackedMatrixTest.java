package dev.rlhfloop.llm.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PackedMatrixTest {

    /** k and n around the panel, pair, quad, int8-block and k-chunk edges, and GPT-2's shapes. */
    static Stream<Arguments> shapes() {
        int p = PackedMatrix.PANEL;
        int[][] sizes = {
            {1, 1}, {2, 3}, {3, 5}, {5, p}, {31, p + 1}, {32, 2 * p - 1}, {33, 7}, {127, 40}, {128, p}, {129, 3 * p + 5},
            {130, 17}, {257, 9}, {768, 2 * p}, {300, 1},
        };
        List<Arguments> cases = new ArrayList<>();
        for (int[] s : sizes) {
            for (WeightFormat format : WeightFormat.values()) {
                cases.add(Arguments.of(s[0], s[1], format));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "k={0} n={1} {2}")
    @MethodSource("shapes")
    void theVectorKernelGivesTheScalarDefinitionsBitsForAnyRowCount(int k, int n, WeightFormat format) {
        SplittableRandom random = new SplittableRandom(31L * k + n);
        float[] w = gaussian(random, k * n);
        for (boolean transposed : new boolean[] {false, true}) {
            PackedMatrix packed = PackedMatrix.pack(w, 0, transposed, k, n, format);
            for (int rows : new int[] {1, 2, 3, 4, 5, 8, 9, 12, 13, 17}) {
                float[] x = gaussian(random, rows * k);
                float[] out = new float[rows * n];
                float[] expected = new float[rows * n];
                packed.multiply(out, x, rows);
                packed.multiplyReference(expected, x, rows);
                assertArrayEquals(expected, out, 0f, format + " rows=" + rows + " transposed=" + transposed);
            }
        }
    }

    @ParameterizedTest(name = "k={0} n={1} {2}")
    @MethodSource("shapes")
    void storedWeightsAreTheValuesRoundedToTheFormat(int k, int n, WeightFormat format) {
        SplittableRandom random = new SplittableRandom(7L * k + n);
        float[] w = gaussian(random, k * n);
        PackedMatrix conv1d = PackedMatrix.pack(w, 0, false, k, n, format);
        PackedMatrix head = PackedMatrix.pack(transpose(w, k, n), 0, true, k, n, format);
        for (int j = 0; j < n; j++) {
            for (int q0 = 0; q0 < k; q0 += PackedMatrix.INT8_BLOCK) {
                int q1 = Math.min(k, q0 + PackedMatrix.INT8_BLOCK);
                float max = 0f;
                for (int q = q0; q < q1; q++) {
                    max = Math.max(max, Math.abs(w[q * n + j]));
                }
                for (int q = q0; q < q1; q++) {
                    float value = w[q * n + j];
                    float stored = conv1d.weight(q, j);
                    assertEquals(stored, head.weight(q, j), 0f, "either source layout packs the same weights");
                    switch (format) {
                        case FP32 -> assertEquals(value, stored, 0f);
                        case BF16 -> {
                            assertEquals(0, Float.floatToRawIntBits(stored) & 0xFFFF, "bf16 keeps 7 mantissa bits");
                            assertTrue(Math.abs(stored - value) <= Math.ulp(value) * (1 << 15), value + " -> " + stored);
                        }
                        case INT8 -> {
                            assertEquals(max / 127f, conv1d.scale(q, j), 0f);
                            assertTrue(Math.abs(stored) <= 127 && stored == Math.rint(stored), "an integer weight: " + stored);
                            assertTrue(Math.abs(stored * conv1d.scale(q, j) - value) <= max / 127f * 0.5001f + 1e-12f,
                                    value + " -> " + stored + " x " + conv1d.scale(q, j));
                        }
                    }
                }
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsSpecialValues() {
        assertEquals(0x3F80, PackedMatrix.toBf16(1f));
        assertEquals(0x3F80, PackedMatrix.toBf16(Float.intBitsToFloat(0x3F808000)), "a tie rounds to the even 0x3F80");
        assertEquals(0x3F82, PackedMatrix.toBf16(Float.intBitsToFloat(0x3F818000)), "a tie rounds to the even 0x3F82");
        assertEquals(0x3F81, PackedMatrix.toBf16(Float.intBitsToFloat(0x3F808001)), "above the tie rounds up");
        assertEquals(0x7F80, PackedMatrix.toBf16(Float.POSITIVE_INFINITY));
        assertEquals(0x8000, PackedMatrix.toBf16(-0f));
        assertTrue(Float.isNaN(Float.intBitsToFloat(PackedMatrix.toBf16(Float.NaN) << 16)));
    }

    @Test
    void fp32PackingGivesMatmulsBitsForTheLinearLayers() {
        SplittableRandom random = new SplittableRandom(3);
        int k = 300;
        int n = 2 * PackedMatrix.PANEL + 3;
        float[] w = gaussian(random, k * n);
        PackedMatrix packed = PackedMatrix.pack(w, 0, false, k, n, WeightFormat.FP32);
        for (int rows : new int[] {1, 4, 7}) {
            float[] x = gaussian(random, rows * k);
            float[] expected = new float[rows * n];
            Matmul.multiply(expected, 0, x, 0, false, w, 0, false, rows, n, k, false);
            float[] out = new float[rows * n];
            packed.multiply(out, x, rows);
            assertArrayEquals(expected, out, 0f, "rows=" + rows);
        }
    }

    @Test
    void eachRowsResultIsTheSameWhateverElseIsInTheBatch() {
        SplittableRandom random = new SplittableRandom(5);
        int k = 257;
        int n = 3 * PackedMatrix.PANEL + 1;
        float[] w = gaussian(random, k * n);
        float[] batch = gaussian(random, 6 * k);
        for (WeightFormat format : WeightFormat.values()) {
            PackedMatrix packed = PackedMatrix.pack(w, 0, false, k, n, format);
            float[] together = new float[6 * n];
            packed.multiply(together, batch, 6);
            for (int r = 0; r < 6; r++) {
                float[] alone = new float[n];
                packed.multiply(alone, Arrays.copyOfRange(batch, r * k, (r + 1) * k), 1);
                assertArrayEquals(alone, Arrays.copyOfRange(together, r * n, (r + 1) * n), 0f, format + " row " + r);
            }
        }
    }

    @Test
    void narrowFormatsReadFewerBytes() {
        float[] w = gaussian(new SplittableRandom(1), 768 * 768);
        long fp32 = PackedMatrix.pack(w, 0, false, 768, 768, WeightFormat.FP32).bytes();
        assertEquals(768L * 768 * 4, fp32);
        assertEquals(fp32 / 2, PackedMatrix.pack(w, 0, false, 768, 768, WeightFormat.BF16).bytes());
        assertEquals(768L * 768 + 768L * 768 / 32 * 4, PackedMatrix.pack(w, 0, false, 768, 768, WeightFormat.INT8).bytes());
    }

    @Test
    void badShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.pack(new float[6], 0, false, 0, 6, WeightFormat.FP32));
        assertThrows(IllegalArgumentException.class, () -> PackedMatrix.pack(new float[6], 1, false, 2, 3, WeightFormat.BF16));
        PackedMatrix packed = PackedMatrix.pack(new float[6], 0, false, 2, 3, WeightFormat.INT8);
        assertThrows(IllegalArgumentException.class, () -> packed.multiply(new float[3], new float[3], 2));
        assertEquals(WeightFormat.BF16, WeightFormat.parse(" BF16 "));
        String message = assertThrows(IllegalArgumentException.class, () -> WeightFormat.parse("fp8")).getMessage();
        assertEquals("unknown weight format 'fp8' (known: fp32, bf16, int8)", message);
    }

    private static float[] gaussian(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            // a spread of magnitudes, as trained weights have, plus exact zeros
            values[i] = i % 17 == 0 ? 0f : (float) ((random.nextDouble() * 2 - 1) * Math.exp(random.nextDouble() * 4 - 2));
        }
        return values;
    }

    private static float[] transpose(float[] w, int k, int n) {
        float[] t = new float[w.length];
        for (int q = 0; q < k; q++) {
            for (int j = 0; j < n; j++) {
                t[j * k + q] = w[q * n + j];
            }
        }
        return t;
    }
}
