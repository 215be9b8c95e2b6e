package dev.rlhfloop.llm.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MatmulTest {

    /**
     * Sizes around every block edge: 1, primes, tile multiples ± 1 (of 5×16 and 8×32 tiles), k = 1, exact tiles at and just
     * past a k block, a k that needs several k blocks, row counts that need two row blocks (per thread, at 5,470) and a
     * column count that needs two column blocks, and a transposed a too long to read in place.
     */
    static Stream<Arguments> shapes() {
        int[][] sizes = {
            {1, 1, 1}, {1, 7, 5}, {1, 33, 17}, {1, 100, 1}, {1, 1, 100}, {7, 1, 13}, {2, 3, 4},
            {5, 17, 3}, {6, 16, 8}, {7, 31, 29}, {13, 37, 41}, {12, 48, 64}, {31, 7, 97}, {64, 64, 64},
            {97, 101, 103}, {3, 257, 19}, {257, 3, 19}, {40, 50, 800}, {19, 45, 1000}, {70, 130, 9},
            {1, 300, 300}, {1, 260, 70}, {150, 1, 300},
            {2, 2, 1}, {6, 17, 1}, {5, 16, 384}, {5, 16, 385}, {10, 32, 769}, {700, 21, 384}, {11, 700, 400},
            {8, 32, 384}, {9, 33, 385}, {17, 65, 7}, {16, 64, 769}, {Matmul.IN_PLACE_MAX_M + 9, 33, 5}, {5470, 3, 384},
        };
        List<Arguments> cases = new ArrayList<>();
        for (int[] s : sizes) {
            for (int variant = 0; variant < 8; variant++) {
                cases.add(Arguments.of(s[0], s[1], s[2], (variant & 1) != 0, (variant & 2) != 0, (variant & 4) != 0));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} tA={3} tB={4} acc={5}")
    @MethodSource("shapes")
    void matchesTheScalarReference(int m, int n, int k, boolean transposeA, boolean transposeB, boolean accumulate) {
        checkAgainstTheReference(false, m, n, k, transposeA, transposeB, accumulate);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} tA={3} tB={4} acc={5}")
    @MethodSource("shapes")
    void packedPathMatchesTheScalarReference(int m, int n, int k, boolean transposeA, boolean transposeB, boolean accumulate) {
        checkAgainstTheReference(true, m, n, k, transposeA, transposeB, accumulate);
    }

    private static void checkAgainstTheReference(boolean packed, int m, int n, int k, boolean transposeA, boolean transposeB,
                                                 boolean accumulate) {
        SplittableRandom random = new SplittableRandom(31L * m + 17L * n + k);
        int aOffset = 3;
        int bOffset = 5;
        int cOffset = 7;
        float[] a = randoms(random, aOffset + m * k + 2);
        float[] b = randoms(random, bOffset + k * n + 1);
        float[] c = randoms(random, cOffset + m * n + 4);
        float[] expected = c.clone();
        Matmul.multiplyReference(expected, cOffset, a, aOffset, transposeA, b, bOffset, transposeB, m, n, k, accumulate);
        if (packed) {
            Matmul.multiplyPacked(c, cOffset, a, aOffset, transposeA, b, bOffset, transposeB, m, n, k, accumulate);
        } else {
            Matmul.multiply(c, cOffset, a, aOffset, transposeA, b, bOffset, transposeB, m, n, k, accumulate);
        }
        for (int i = 0; i < c.length; i++) {
            boolean inside = i >= cOffset && i < cOffset + m * n;
            if (!inside) {
                assertEquals(expected[i], c[i], "element outside c at " + i + " was touched");
                continue;
            }
            float tolerance = 1e-5f * k + 1e-5f * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - c[i]) <= tolerance,
                    "c[" + (i - cOffset) + "]: expected " + expected[i] + " got " + c[i]);
        }
    }

    @Test
    void trainingProductsOfALinearLayerAgreeWithTheReference() {
        // Forward y = x·W, input gradient dx = dy·Wᵀ, weight gradient dW += xᵀ·dy at a GPT-ish size.
        int rows = 64;
        int in = 96;
        int out = 200;
        SplittableRandom random = new SplittableRandom(7);
        float[] x = randoms(random, rows * in);
        float[] w = randoms(random, in * out);
        float[] dy = randoms(random, rows * out);
        float[] dw = randoms(random, in * out);
        float[][] fast = {new float[rows * out], new float[rows * in], dw.clone()};
        float[][] slow = {new float[rows * out], new float[rows * in], dw.clone()};
        Matmul.multiply(fast[0], 0, x, 0, false, w, 0, false, rows, out, in, false);
        Matmul.multiply(fast[1], 0, dy, 0, false, w, 0, true, rows, in, out, false);
        Matmul.multiply(fast[2], 0, x, 0, true, dy, 0, false, in, out, rows, true);
        Matmul.multiplyReference(slow[0], 0, x, 0, false, w, 0, false, rows, out, in, false);
        Matmul.multiplyReference(slow[1], 0, dy, 0, false, w, 0, true, rows, in, out, false);
        Matmul.multiplyReference(slow[2], 0, x, 0, true, dy, 0, false, in, out, rows, true);
        for (int product = 0; product < 3; product++) {
            for (int i = 0; i < fast[product].length; i++) {
                assertEquals(slow[product][i], fast[product][i], 1e-4f * (1 + Math.abs(slow[product][i])),
                        "product " + product + " element " + i);
            }
        }
    }

    @Test
    void largeProductIsBitIdenticalAcrossRunsAndThreadCounts() {
        int m = 130;
        int n = 300;
        int k = 900;
        SplittableRandom random = new SplittableRandom(11);
        float[] a = randoms(random, m * k);
        float[] b = randoms(random, k * n);
        for (boolean transposeB : new boolean[] {false, true}) {
            for (int rows : new int[] {m, 1}) {
                float[] parallel = new float[rows * n];
                float[] again = new float[rows * n];
                float[] single = new float[rows * n];
                Matmul.multiply(parallel, 0, a, 0, false, b, 0, transposeB, rows, n, k, false);
                Matmul.multiply(again, 0, a, 0, false, b, 0, transposeB, rows, n, k, false);
                // Inside a chunk, nested parallel calls run inline on one thread.
                Parallel.forChunks(0, 1, (from, to) ->
                        Matmul.multiply(single, 0, a, 0, false, b, 0, transposeB, rows, n, k, false));
                assertArrayEquals(parallel, again);
                assertArrayEquals(parallel, single);
            }
        }
    }

    /**
     * A weight gradient's product that also sums the columns of b (a bias gradient) gives c bit for
     * bit as the plain product, and each sum as b's rows added one after another onto it, whichever
     * way the threads split the product (rows when m > n, columns otherwise) and over several k and
     * row blocks.
     */
    @Test
    void summingTheColumnsOfBWhilePackingItIsTheRowOrderSum() {
        int[][] sizes = {{384, 1152, 2048}, {1536, 384, 2048}, {7, 45, 13}, {45, 7, 800}, {5470, 40, 384}, {100, 33, 1}, {3, 3, 3}};
        for (int[] size : sizes) {
            int m = size[0];
            int n = size[1];
            int k = size[2];
            SplittableRandom random = new SplittableRandom(m + 3L * n + 7L * k);
            float[] a = randoms(random, k * m);
            float[] b = randoms(random, k * n);
            float[] c = randoms(random, m * n);
            float[] sums = randoms(random, n);
            float[] expectedC = c.clone();
            float[] expectedSums = sums.clone();
            Matmul.multiply(expectedC, 0, a, 0, true, b, 0, false, m, n, k, true);
            for (int row = 0; row < k; row++) {
                for (int j = 0; j < n; j++) {
                    expectedSums[j] += b[row * n + j];
                }
            }
            for (boolean oneThread : new boolean[] {false, true}) {
                float[] fusedC = c.clone();
                float[] fusedSums = sums.clone();
                if (oneThread) {
                    Parallel.forChunks(0, 1, (from, to) ->
                            Matmul.multiplySummingColumnsOfB(fusedC, 0, a, 0, true, b, 0, m, n, k, true, fusedSums));
                } else {
                    Matmul.multiplySummingColumnsOfB(fusedC, 0, a, 0, true, b, 0, m, n, k, true, fusedSums);
                }
                String shape = m + "x" + n + "x" + k + (oneThread ? " on one thread" : "");
                assertArrayEquals(expectedC, fusedC, shape);
                assertArrayEquals(expectedSums, fusedSums, shape);
            }
        }
    }

    /**
     * A strip times packed panels ({@link Matmul#multiplyStrip}) over a range of k, with a strip packed
     * from rows {@code lda} apart or read in place from a transposed a, panels packed from b either way
     * round, partial strips and panels, c rows {@code ldc} apart: against the scalar reference over the
     * same k range, and bit for bit against the packed product of the whole block (which sums the same
     * chain) when the range is all of k.
     */
    @Test
    void aStripTimesPackedPanelsIsTheProductOverItsKRange() {
        int mr = Matmul.stripRows();
        int nr = Matmul.panelColumns();
        int[][] sizes = {{mr, nr, 64}, {mr - 1, nr + 3, 17}, {1, 1, 1}, {3, 2 * nr - 1, 100}, {mr, 5, 300}};
        for (int[] size : sizes) {
            int rows = size[0];
            int n = size[1];
            int k = size[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean inPlace = (variant & 1) != 0;
                boolean transposedB = (variant & 2) != 0;
                boolean accumulate = (variant & 4) != 0;
                SplittableRandom random = new SplittableRandom(rows * 1_000_003L + n * 1009L + k * 31L + variant);
                int lda = k + 3;     // a [rows × k], rows lda apart (packed); or a stored [k × ...], rows lda apart (in place)
                int ldb = (transposedB ? k : n) + 2;
                int ldc = n + 5;
                float[] a = randoms(random, lda * (k + mr) + mr);
                float[] b = randoms(random, ldb * (Math.max(k, n) + 1));
                float[] c = randoms(random, ldc * rows + 7);
                float[] strip = new float[mr * k];
                if (!inPlace) {
                    Matmul.packStrips(a, 2, lda, rows, k, strip, 0);
                }
                int panelCount = (n + nr - 1) / nr;
                float[] panels = new float[panelCount * nr * k + 3];
                Matmul.packPanels(b, 1, ldb, transposedB, k, n, panels, 3);
                int kFrom = k / 3;
                int kTo = k - k / 4;
                float[] fast = c.clone();
                Matmul.multiplyStrip(fast, 4, ldc, rows, inPlace ? a : strip, inPlace ? 2 : 0, inPlace ? lda : mr, panels, 3,
                        nr * k, n, kFrom, kTo, accumulate);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < n; j++) {
                        float sum = accumulate ? c[4 + i * ldc + j] : 0f;
                        for (int q = kFrom; q < kTo; q++) {
                            float av = inPlace ? a[2 + q * lda + i] : a[2 + i * lda + q];
                            float bv = transposedB ? b[1 + j * ldb + q] : b[1 + q * ldb + j];
                            sum += av * bv;
                        }
                        float got = fast[4 + i * ldc + j];
                        assertEquals(sum, got, 1e-5f * k + 1e-5f * Math.abs(sum), "strip " + rows + "x" + n + "x" + k
                                + " variant " + variant + " at " + i + "," + j);
                    }
                }
                // all of k: the packed product's chain, bit for bit (every size here is one k block)
                float[] denseA = new float[rows * k];
                float[] denseB = new float[k * n];
                for (int i = 0; i < rows; i++) {
                    for (int q = 0; q < k; q++) {
                        denseA[i * k + q] = inPlace ? a[2 + q * lda + i] : a[2 + i * lda + q];
                    }
                }
                for (int q = 0; q < k; q++) {
                    for (int j = 0; j < n; j++) {
                        denseB[q * n + j] = transposedB ? b[1 + j * ldb + q] : b[1 + q * ldb + j];
                    }
                }
                float[] whole = new float[ldc * rows];
                float[] product = new float[rows * n];
                Matmul.multiplyStrip(whole, 0, ldc, rows, inPlace ? a : strip, inPlace ? 2 : 0, inPlace ? lda : mr, panels, 3,
                        nr * k, n, 0, k, false);
                Matmul.multiplyPacked(product, 0, denseA, 0, false, denseB, 0, false, rows, n, k, false);
                for (int i = 0; i < rows; i++) {
                    assertArrayEquals(java.util.Arrays.copyOfRange(product, i * n, i * n + n),
                            java.util.Arrays.copyOfRange(whole, i * ldc, i * ldc + n), "row " + i + " of the whole range");
                }
                for (int i = 0; i < c.length; i++) {
                    int row = (i - 4) / ldc;
                    int column = (i - 4) % ldc;
                    boolean inside = i >= 4 && row < rows && column < n;
                    if (!inside) {
                        assertEquals(c[i], fast[i], "element outside c at " + i + " was touched");
                    }
                }
            }
        }
    }

    @Test
    void emptyDepthClearsOrKeepsC() {
        float[] c = {1f, 2f, 3f, 4f};
        Matmul.multiply(c, 0, new float[0], 0, false, new float[0], 0, false, 2, 2, 0, true);
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, c);
        Matmul.multiply(c, 0, new float[0], 0, false, new float[0], 0, false, 2, 2, 0, false);
        assertArrayEquals(new float[4], c);
    }

    @Test
    void operandsThatDoNotFitAreRejectedWithTheirName() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () ->
                Matmul.multiply(new float[4], 0, new float[3], 0, false, new float[4], 0, false, 2, 2, 2, false));
        assertTrue(error.getMessage().contains("operand a"), error.getMessage());
    }

    /**
     * Batch invariance: a row of an m-row product is bit-identical to the same row multiplied
     * alone, for every m a decode batch can have (any m without a transposed b; up to
     * ROW_DOT_MAX_ROWS with one), on shapes large enough to be split over the threads.
     */
    @ParameterizedTest(name = "tB={0} acc={1}")
    @MethodSource("rowInvariantCases")
    void eachRowIsComputedAsIfAlone(boolean transposeB, boolean accumulate) {
        SplittableRandom random = new SplittableRandom(transposeB ? 11 : 12);
        int n = 1003;
        int k = 389;
        int maxRows = transposeB ? Matmul.ROW_DOT_MAX_ROWS : 97;
        float[] a = randoms(random, maxRows * k);
        float[] b = randoms(random, k * n);
        float[] start = randoms(random, maxRows * n);
        float[][] alone = new float[maxRows][];
        for (int r = 0; r < maxRows; r++) {
            alone[r] = java.util.Arrays.copyOfRange(start, r * n, (r + 1) * n);
            Matmul.multiply(alone[r], 0, a, r * k, false, b, 0, transposeB, 1, n, k, accumulate);
        }
        for (int m : new int[] {2, 3, 5, 8, 17, 32, maxRows}) {
            float[] c = java.util.Arrays.copyOf(start, m * n);
            Matmul.multiply(c, 0, a, 0, false, b, 0, transposeB, m, n, k, accumulate);
            for (int r = 0; r < m; r++) {
                assertArrayEquals(alone[r], java.util.Arrays.copyOfRange(c, r * n, (r + 1) * n), "row " + r + " of " + m);
            }
        }
    }

    /**
     * a·bᵀ on up to ROW_DOT_MAX_ROWS rows, bit for bit against a scalar loop of its documented
     * order: per lane l, an FMA chain over k = l, l + LANES, …; the lanes added in order from zero;
     * then the scalar tail's FMAs. So the vectorised lane sums change no bit.
     */
    @Test
    void rowDotProductsAreTheirScalarOrderBitForBit() {
        int lanes = dev.rlhfloop.llm.Engine.FLOATS.length();
        SplittableRandom random = new SplittableRandom(5);
        for (int[] shape : new int[][] {{1, 1003, 389}, {7, 101, 64}, {64, 37, 35}, {3, 16, 7}}) {
            int m = shape[0], n = shape[1], k = shape[2];
            float[] a = randoms(random, m * k);
            float[] b = randoms(random, n * k);
            float[] c = new float[m * n];
            Matmul.multiply(c, 0, a, 0, false, b, 0, true, m, n, k, false);
            int vectorEnd = k - k % lanes;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float sum = 0f;
                    for (int l = 0; l < lanes; l++) {
                        float lane = 0f;
                        for (int q = l; q < vectorEnd; q += lanes) {
                            lane = Math.fma(a[i * k + q], b[j * k + q], lane);
                        }
                        sum += lane;
                    }
                    for (int q = vectorEnd; q < k; q++) {
                        sum = Math.fma(a[i * k + q], b[j * k + q], sum);
                    }
                    assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(c[i * n + j]),
                            "m=" + m + " n=" + n + " k=" + k + " at " + i + "," + j);
                }
            }
        }
    }

    /**
     * Each micro-kernel, whichever this CPU's vectors select: the tile is c (or zero) plus the
     * in-order FMA chain over the strip's and panel's k, bit for bit.
     */
    @ParameterizedTest(name = "rows={0} loadC={1}")
    @MethodSource("microKernelCases")
    void eachMicroKernelIsTheInOrderFmaChainOfItsTile(int rows, boolean loadC) {
        int nr = Matmul.NR;
        int kc = 37;
        int ldc = nr + 3;
        int cAt = 2;
        SplittableRandom random = new SplittableRandom(rows * 2 + (loadC ? 1 : 0));
        // a strip read in place: each k's rows side by side, a wider row of a apart
        int stride = rows + 2;
        float[] strip = randoms(random, 1 + kc * stride);
        float[] panel = randoms(random, 3 + kc * nr);
        float[] c = randoms(random, cAt + rows * ldc);
        float[] tile = new float[rows * nr];
        if (rows == 5) {
            Matmul.microKernel5(strip, 1, stride, panel, 3, kc, c, cAt, ldc, loadC, tile);
        } else {
            Matmul.microKernel8(strip, 1, stride, panel, 3, kc, c, cAt, ldc, loadC, tile);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < nr; j++) {
                float sum = loadC ? c[cAt + r * ldc + j] : 0f;
                for (int q = 0; q < kc; q++) {
                    sum = Math.fma(strip[1 + q * stride + r], panel[3 + q * nr + j], sum);
                }
                assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(tile[r * nr + j]), "row " + r + ", column " + j);
            }
        }
    }

    static Stream<Arguments> microKernelCases() {
        return Stream.of(Arguments.of(5, false), Arguments.of(5, true), Arguments.of(8, false), Arguments.of(8, true));
    }

    static Stream<Arguments> rowInvariantCases() {
        return Stream.of(Arguments.of(false, false), Arguments.of(true, false), Arguments.of(true, true));
    }

    private static float[] randoms(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return values;
    }
}
