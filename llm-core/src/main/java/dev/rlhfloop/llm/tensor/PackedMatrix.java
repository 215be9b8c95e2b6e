package dev.rlhfloop.llm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * An inference-only copy of a weight matrix {@code W[k×n]} (k inputs, n outputs) in fp32, bf16 or
 * int8, laid out for the decode step, and its product with a few input rows:
 * {@code out[rows×n] = x[rows×k]·W}.
 *
 * <p>Why this layout: generating a token multiplies one row (or a handful, one per sequence) by
 * every weight once, so the step is bound by reading the weights from memory, not by arithmetic.
 * W is stored in panels of {@link #PANEL} output columns, each panel k-major, so one panel is one
 * contiguous stream that a thread reads from start to end while the panel's sums stay in
 * registers; threads take contiguous runs of panels. (The Conv1D layout {@code [k×n]} split by
 * columns between threads reads short strided pieces instead and ran at about half the memory
 * bandwidth.) The narrow formats pack several weight rows into one {@code int} per column so that
 * widening them to fp32 takes only in-lane shifts: bf16 puts rows q and q+1 in the high and low
 * halves (the high half, masked, is already the fp32 value); int8 puts rows q..q+3 in the four bytes.
 *
 * <p>The arithmetic is fp32 fused multiply-adds in a fixed order, computed by one thread per
 * output: the same bits for any thread count and for any number of rows (a row's result does not
 * depend on the other rows of a batch). fp32 and bf16: {@code sum = fma(x[q], w[q][j], sum)} over q
 * in order, for fp32 the same bits as {@link Matmul#multiply} of the unpacked weights. int8 (as
 * llama.cpp's Q8_0, one scale per {@link #INT8_BLOCK} weights of an output): per block the same
 * chain over the integer weights, then {@code sum = fma(block, scale, sum)}.
 * {@link #multiplyReference} is that definition in plain scalar code.
 */
public final class PackedMatrix {

    private static final VectorSpecies<Float> S = dev.rlhfloop.llm.Engine.FLOATS;
    private static final int LANES = S.length();
    private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
    private static final int HIGH_HALF = 0xFFFF0000;
    private static final int INT8_BIAS = 128;
    private static final int TWO_TO_23_BITS = Float.floatToRawIntBits(8388608f);
    private static final float TWO_TO_23_PLUS_BIAS = 8388608f + INT8_BIAS;

    /** Output columns per panel: four vectors of sums, in registers for the whole pass over k. */
    public static final int PANEL = 4 * LANES;
    /** Weights of one output that share an int8 scale (Q8_0's block of 32). */
    public static final int INT8_BLOCK = 32;
    /**
     * Weight rows a batch of input rows passes over before moving on (a multiple of the int8
     * block): 32 KiB of fp32 panel at 16 lanes, so rows after the first read it from L1.
     */
    private static final int K_CHUNK = 128;
    /** Below this many multiply-adds a product runs on the calling thread. */
    private static final long PARALLEL_MIN_WORK = 1L << 16;

    private final WeightFormat format;
    private final int k;
    private final int n;
    private final int panels;
    /** Weight rows packed per int: 1 (fp32 bits), 2 (bf16), 4 (int8). */
    private final int perInt;
    /** k rounded up to a whole number of ints per column. */
    private final int packedK;
    /** {@code [panels][packedK / perInt][PANEL]}. */
    private final int[] data;
    /** int8 only: one scale per (panel, block of INT8_BLOCK rows, column), {@code [panels][blocks][PANEL]}. */
    private final float[] scales;

    private PackedMatrix(WeightFormat format, int k, int n, int perInt, int[] data, float[] scales) {
        this.format = format;
        this.k = k;
        this.n = n;
        this.panels = (n + PANEL - 1) / PANEL;
        this.perInt = perInt;
        this.packedK = (k + perInt - 1) / perInt * perInt;
        this.data = data;
        this.scales = scales;
    }

    /**
     * Packs {@code W[k×n]} read from {@code w} at {@code offset}: stored {@code [k×n]} (a Conv1D
     * linear weight, {@code [in, out]}) or, when {@code transposed}, {@code [n×k]} (the output head, {@code [V, C]}).
     */
    public static PackedMatrix pack(float[] w, int offset, boolean transposed, int k, int n, WeightFormat format) {
        if (k <= 0 || n <= 0) {
            throw new IllegalArgumentException("a packed matrix needs k, n > 0, got k=" + k + " n=" + n);
        }
        if (offset < 0 || offset + (long) k * n > w.length) {
            throw new IllegalArgumentException(k + "x" + n + " weights at offset " + offset + " do not fit in " + w.length);
        }
        int perInt = switch (format) {
            case FP32 -> 1;
            case BF16 -> 2;
            case INT8 -> 4;
        };
        int panels = (n + PANEL - 1) / PANEL;
        int groups = (k + perInt - 1) / perInt;
        long size = (long) panels * groups * PANEL;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(k + "x" + n + " is too large for one packed array");
        }
        int blocks = (k + INT8_BLOCK - 1) / INT8_BLOCK;
        int[] data = new int[(int) size];
        float[] scales = format == WeightFormat.INT8 ? new float[panels * blocks * PANEL] : null;
        float[] column = new float[k];
        // Padding (columns past n, rows past k) stays zero.
        for (int j = 0; j < n; j++) {
            for (int q = 0; q < k; q++) {
                column[q] = transposed ? w[offset + j * k + q] : w[offset + q * n + j];
            }
            int p = j / PANEL;
            int col = j % PANEL;
            for (int q = 0; q < k; q++) {
                int at = (p * groups + q / perInt) * PANEL + col;
                switch (format) {
                    case FP32 -> data[at] = Float.floatToRawIntBits(column[q]);
                    case BF16 -> data[at] |= q % 2 == 0 ? toBf16(column[q]) << 16 : toBf16(column[q]) & 0xFFFF;
                    case INT8 -> { } // below, per block
                }
            }
            for (int b = 0; format == WeightFormat.INT8 && b < blocks; b++) {
                int q0 = b * INT8_BLOCK;
                int q1 = Math.min(k, q0 + INT8_BLOCK);
                float max = 0f;
                for (int q = q0; q < q1; q++) {
                    max = Math.max(max, Math.abs(column[q]));
                }
                float scale = max / 127f;
                scales[(p * blocks + b) * PANEL + col] = scale;
                for (int q = q0; q < q1; q++) {
                    int quantized = scale == 0f ? 0 : Math.max(-127, Math.min(127, Math.round(column[q] / scale)));
                    data[(p * groups + q / 4) * PANEL + col] |= (quantized + INT8_BIAS) << (8 * (q % 4));
                }
            }
        }
        return new PackedMatrix(format, k, n, perInt, data, scales);
    }

    /** fp32 → bfloat16 bits, rounding to nearest even (NaN stays NaN). */
    public static int toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (bits >>> 16) | 0x40;
        }
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    public WeightFormat format() {
        return format;
    }

    /** Inputs per row. */
    public int inputs() {
        return k;
    }

    /** Outputs per row. */
    public int outputs() {
        return n;
    }

    /** Bytes of weights (and scales) one product reads. */
    public long bytes() {
        return 4L * data.length + (scales == null ? 0 : 4L * scales.length);
    }

    /**
     * W[q][j] as stored: the fp32 value, the bf16 value widened, or for int8 the integer weight
     * (its block's scale is {@link #scale}).
     */
    public float weight(int q, int j) {
        int word = data[(j / PANEL * (packedK / perInt) + q / perInt) * PANEL + j % PANEL];
        return switch (format) {
            case FP32 -> Float.intBitsToFloat(word);
            case BF16 -> Float.intBitsToFloat(q % 2 == 0 ? word & HIGH_HALF : word << 16);
            case INT8 -> ((word >>> (8 * (q % 4))) & 0xFF) - INT8_BIAS;
        };
    }

    /** int8: the scale of W[q][j]'s block. */
    public float scale(int q, int j) {
        int blocks = (k + INT8_BLOCK - 1) / INT8_BLOCK;
        return scales[(j / PANEL * blocks + q / INT8_BLOCK) * PANEL + j % PANEL];
    }

    /** {@code out[rows×n] = x[rows×k]·W}; {@code out} and {@code x} start at index 0. */
    public void multiply(float[] out, float[] x, int rows) {
        if (rows < 0 || (long) rows * k > x.length || (long) rows * n > out.length) {
            throw new IllegalArgumentException("packed " + k + "x" + n + " product of " + rows + " rows: x holds "
                    + x.length + ", out " + out.length);
        }
        if (rows == 0) {
            return;
        }
        if ((long) rows * n * k < PARALLEL_MIN_WORK) {
            panels(out, x, rows, 0, panels);
        } else {
            Parallel.forChunks(0, panels, (from, to) -> panels(out, x, rows, from, to));
        }
    }

    /** The plain scalar definition (see the class comment): what {@link #multiply} is tested against, bit for bit. */
    public void multiplyReference(float[] out, float[] x, int rows) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                if (format == WeightFormat.INT8) {
                    for (int q0 = 0; q0 < k; q0 += INT8_BLOCK) {
                        float block = 0f;
                        for (int q = q0; q < Math.min(k, q0 + INT8_BLOCK); q++) {
                            block = Math.fma(x[r * k + q], weight(q, j), block);
                        }
                        sum = Math.fma(block, scale(q0, j), sum);
                    }
                } else {
                    for (int q = 0; q < k; q++) {
                        sum = Math.fma(x[r * k + q], weight(q, j), sum);
                    }
                }
                out[r * n + j] = sum;
            }
        }
    }

    private void panels(float[] out, float[] x, int rows, int from, int to) {
        float[] sums = new float[rows * PANEL];
        float[] block = new float[PANEL];
        int groups = packedK / perInt;
        int blocks = (k + INT8_BLOCK - 1) / INT8_BLOCK;
        for (int p = from; p < to; p++) {
            for (int q0 = 0; q0 < k; q0 += K_CHUNK) {
                int depth = Math.min(K_CHUNK, k - q0);
                int wAt = (p * groups + q0 / perInt) * PANEL;
                for (int r = 0; r < rows; r++) {
                    int xAt = r * k + q0;
                    boolean first = q0 == 0;
                    switch (format) {
                        case FP32 -> fp32Row(x, xAt, data, wAt, depth, sums, r * PANEL, first);
                        case BF16 -> bf16Row(x, xAt, data, wAt, depth, sums, r * PANEL, first);
                        case INT8 -> int8Row(x, xAt, data, wAt, scales, (p * blocks + q0 / INT8_BLOCK) * PANEL, depth,
                                sums, r * PANEL, first, block);
                    }
                }
            }
            int cols = Math.min(PANEL, n - p * PANEL);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(sums, r * PANEL, out, r * n + p * PANEL, cols);
            }
        }
    }

    private static FloatVector load(float[] sums, int at, boolean first) {
        return first ? FloatVector.zero(S) : FloatVector.fromArray(S, sums, at);
    }

    private static FloatVector floats(int[] w, int at) {
        return IntVector.fromArray(INTS, w, at).reinterpretAsFloats();
    }

    /** sums[at..at+PANEL) (+)= x[xAt..xAt+depth) · the fp32 panel rows at wAt. */
    private static void fp32Row(float[] x, int xAt, int[] w, int wAt, int depth, float[] sums, int at, boolean first) {
        FloatVector c0 = load(sums, at, first);
        FloatVector c1 = load(sums, at + LANES, first);
        FloatVector c2 = load(sums, at + 2 * LANES, first);
        FloatVector c3 = load(sums, at + 3 * LANES, first);
        for (int q = 0, wq = wAt; q < depth; q++, wq += PANEL) {
            FloatVector xq = FloatVector.broadcast(S, x[xAt + q]);
            c0 = xq.fma(floats(w, wq), c0);
            c1 = xq.fma(floats(w, wq + LANES), c1);
            c2 = xq.fma(floats(w, wq + 2 * LANES), c2);
            c3 = xq.fma(floats(w, wq + 3 * LANES), c3);
        }
        c0.intoArray(sums, at);
        c1.intoArray(sums, at + LANES);
        c2.intoArray(sums, at + 2 * LANES);
        c3.intoArray(sums, at + 3 * LANES);
    }

    /** As {@link #fp32Row} over bf16 pairs: the high half is row q (masked), the low half row q+1 (shifted up). */
    private static void bf16Row(float[] x, int xAt, int[] w, int wAt, int depth, float[] sums, int at, boolean first) {
        FloatVector c0 = load(sums, at, first);
        FloatVector c1 = load(sums, at + LANES, first);
        FloatVector c2 = load(sums, at + 2 * LANES, first);
        FloatVector c3 = load(sums, at + 3 * LANES, first);
        int q = 0;
        int wq = wAt;
        for (; q + 2 <= depth; q += 2, wq += PANEL) {
            IntVector v0 = IntVector.fromArray(INTS, w, wq);
            IntVector v1 = IntVector.fromArray(INTS, w, wq + LANES);
            IntVector v2 = IntVector.fromArray(INTS, w, wq + 2 * LANES);
            IntVector v3 = IntVector.fromArray(INTS, w, wq + 3 * LANES);
            FloatVector xa = FloatVector.broadcast(S, x[xAt + q]);
            c0 = xa.fma(v0.and(HIGH_HALF).reinterpretAsFloats(), c0);
            c1 = xa.fma(v1.and(HIGH_HALF).reinterpretAsFloats(), c1);
            c2 = xa.fma(v2.and(HIGH_HALF).reinterpretAsFloats(), c2);
            c3 = xa.fma(v3.and(HIGH_HALF).reinterpretAsFloats(), c3);
            FloatVector xb = FloatVector.broadcast(S, x[xAt + q + 1]);
            c0 = xb.fma(v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), c0);
            c1 = xb.fma(v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), c1);
            c2 = xb.fma(v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), c2);
            c3 = xb.fma(v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), c3);
        }
        if (q < depth) { // odd k: the last row is alone in its pair
            FloatVector xa = FloatVector.broadcast(S, x[xAt + q]);
            c0 = xa.fma(IntVector.fromArray(INTS, w, wq).and(HIGH_HALF).reinterpretAsFloats(), c0);
            c1 = xa.fma(IntVector.fromArray(INTS, w, wq + LANES).and(HIGH_HALF).reinterpretAsFloats(), c1);
            c2 = xa.fma(IntVector.fromArray(INTS, w, wq + 2 * LANES).and(HIGH_HALF).reinterpretAsFloats(), c2);
            c3 = xa.fma(IntVector.fromArray(INTS, w, wq + 3 * LANES).and(HIGH_HALF).reinterpretAsFloats(), c3);
        }
        c0.intoArray(sums, at);
        c1.intoArray(sums, at + LANES);
        c2.intoArray(sums, at + 2 * LANES);
        c3.intoArray(sums, at + 3 * LANES);
    }

    /**
     * Byte {@code index} (0..3) of each lane as the float of its signed weight. Bytes hold weight
     * + 128; OR-ing one into the mantissa of 2^23 gives 2^23 + byte exactly, so subtracting
     * 2^23 + 128 gives the weight without an int-to-float conversion (JDK 17 does not compile the
     * Vector API's I2F to one instruction: it ran ~15x slower).
     */
    private static FloatVector byteOf(IntVector v, int index) {
        return index == 0 ? byte0(v) : index == 1 ? byte1(v) : index == 2 ? byte2(v) : byte3(v);
    }

    private static FloatVector byte0(IntVector v) {
        return unbias(v.and(IntVector.broadcast(INTS, 0xFF)));
    }

    private static FloatVector byte1(IntVector v) {
        return unbias(v.lanewise(VectorOperators.LSHR, 8).and(IntVector.broadcast(INTS, 0xFF)));
    }

    private static FloatVector byte2(IntVector v) {
        return unbias(v.lanewise(VectorOperators.LSHR, 16).and(IntVector.broadcast(INTS, 0xFF)));
    }

    private static FloatVector byte3(IntVector v) {
        return unbias(v.lanewise(VectorOperators.LSHR, 24));
    }

    private static FloatVector unbias(IntVector bytes) {
        return bytes.or(IntVector.broadcast(INTS, TWO_TO_23_BITS)).reinterpretAsFloats()
                .sub(FloatVector.broadcast(S, TWO_TO_23_PLUS_BIAS));
    }

    /**
     * Per block of INT8_BLOCK rows: the chain over the integer weights, then sum = fma(block, scale, sum).
     * Each block's partial sums pass through {@code block} (a PANEL scratch): in one method the
     * unrolled loop was too large for C2 to inline the Vector API calls, and it ran ~20x slower.
     */
    private static void int8Row(float[] x, int xAt, int[] w, int wAt, float[] scales, int scaleAt, int depth,
                                float[] sums, int at, boolean first, float[] block) {
        FloatVector c0 = load(sums, at, first);
        FloatVector c1 = load(sums, at + LANES, first);
        FloatVector c2 = load(sums, at + 2 * LANES, first);
        FloatVector c3 = load(sums, at + 3 * LANES, first);
        for (int b0 = 0, wq = wAt, sAt = scaleAt; b0 < depth; b0 += INT8_BLOCK, sAt += PANEL) {
            int rows = Math.min(INT8_BLOCK, depth - b0);
            int quads = rows / 4;
            int8Quads(x, xAt + b0, w, wq, quads, block);
            wq += quads * PANEL;
            if (rows % 4 != 0) {
                int8Tail(x, xAt + b0 + quads * 4, w, wq, rows % 4, block);
                wq += PANEL;
            }
            c0 = FloatVector.fromArray(S, block, 0).fma(FloatVector.fromArray(S, scales, sAt), c0);
            c1 = FloatVector.fromArray(S, block, LANES).fma(FloatVector.fromArray(S, scales, sAt + LANES), c1);
            c2 = FloatVector.fromArray(S, block, 2 * LANES).fma(FloatVector.fromArray(S, scales, sAt + 2 * LANES), c2);
            c3 = FloatVector.fromArray(S, block, 3 * LANES).fma(FloatVector.fromArray(S, scales, sAt + 3 * LANES), c3);
        }
        c0.intoArray(sums, at);
        c1.intoArray(sums, at + LANES);
        c2.intoArray(sums, at + 2 * LANES);
        c3.intoArray(sums, at + 3 * LANES);
    }

    /** block[0..PANEL) = x[xAt..xAt+4·quads) · the integer weights of {@code quads} ints per column from wAt. */
    private static void int8Quads(float[] x, int xAt, int[] w, int wAt, int quads, float[] block) {
        FloatVector p0 = FloatVector.zero(S);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        for (int i = 0, q = xAt, wq = wAt; i < quads; i++, q += 4, wq += PANEL) {
            IntVector v0 = IntVector.fromArray(INTS, w, wq);
            IntVector v1 = IntVector.fromArray(INTS, w, wq + LANES);
            IntVector v2 = IntVector.fromArray(INTS, w, wq + 2 * LANES);
            IntVector v3 = IntVector.fromArray(INTS, w, wq + 3 * LANES);
            FloatVector x0 = FloatVector.broadcast(S, x[q]);
            p0 = x0.fma(byte0(v0), p0);
            p1 = x0.fma(byte0(v1), p1);
            p2 = x0.fma(byte0(v2), p2);
            p3 = x0.fma(byte0(v3), p3);
            FloatVector x1 = FloatVector.broadcast(S, x[q + 1]);
            p0 = x1.fma(byte1(v0), p0);
            p1 = x1.fma(byte1(v1), p1);
            p2 = x1.fma(byte1(v2), p2);
            p3 = x1.fma(byte1(v3), p3);
            FloatVector x2 = FloatVector.broadcast(S, x[q + 2]);
            p0 = x2.fma(byte2(v0), p0);
            p1 = x2.fma(byte2(v1), p1);
            p2 = x2.fma(byte2(v2), p2);
            p3 = x2.fma(byte2(v3), p3);
            FloatVector x3 = FloatVector.broadcast(S, x[q + 3]);
            p0 = x3.fma(byte3(v0), p0);
            p1 = x3.fma(byte3(v1), p1);
            p2 = x3.fma(byte3(v2), p2);
            p3 = x3.fma(byte3(v3), p3);
        }
        p0.intoArray(block, 0);
        p1.intoArray(block, LANES);
        p2.intoArray(block, 2 * LANES);
        p3.intoArray(block, 3 * LANES);
    }

    /** Continues block's chains with the last {@code valid} (< 4) rows, when k is not a multiple of 4. */
    private static void int8Tail(float[] x, int xAt, int[] w, int wq, int valid, float[] block) {
        for (int v = 0; v < PANEL; v += LANES) {
            IntVector word = IntVector.fromArray(INTS, w, wq + v);
            FloatVector p = FloatVector.fromArray(S, block, v);
            for (int i = 0; i < valid; i++) {
                p = FloatVector.broadcast(S, x[xAt + i]).fma(byteOf(word, i), p);
            }
            p.intoArray(block, v);
        }
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + format + ", " + k + "x" + n + ", " + bytes() + " bytes]";
    }
}
