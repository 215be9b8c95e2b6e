package dev.rlhfloop.llm.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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
 * bandwidth.) bf16 packs rows q and q+1 of a column into the high and low halves of one {@code int},
 * so widening is a mask (the high half is already the fp32 value) or a shift; int8 is a byte per
 * weight, widened by one byte-to-float conversion per vector.
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
    /**
     * LANES bytes, widened to LANES floats by one conversion (B2F). Unpacking four weights from
     * each int with shifts and masks instead ran ~15x slower on JDK 17 and 25. Null where LANES
     * bytes would be narrower than the smallest vector shape (64 bits): widening is scalar there.
     */
    private static final VectorSpecies<Byte> BYTES = S.vectorBitSize() / 4 >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 4)) : null;
    private static final int HIGH_HALF = 0xFFFF0000;

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
    /** The calling thread's packed rows, kept from product to product: made anew, a 64-row step threw away ~2 MB. */
    private static final ThreadLocal<float[]> STRIPS = ThreadLocal.withInitial(() -> new float[0]);

    private final WeightFormat format;
    private final int k;
    private final int n;
    private final int panels;
    /** Weight rows per packed element: 2 for bf16 (two halves of an int), else 1. */
    private final int perInt;
    /** k rounded up to a whole number of ints per column. */
    private final int packedK;
    /** fp32 and bf16: {@code [panels][packedK / perInt][PANEL]}. */
    private final int[] data;
    /** int8: {@code [panels][k][PANEL]}. */
    private final byte[] int8;
    /** int8 only: one scale per (panel, block of INT8_BLOCK rows, column), {@code [panels][blocks][PANEL]}. */
    private final float[] scales;

    private PackedMatrix(WeightFormat format, int k, int n, int perInt, int[] data, byte[] int8, float[] scales) {
        this.format = format;
        this.k = k;
        this.n = n;
        this.panels = (n + PANEL - 1) / PANEL;
        this.perInt = perInt;
        this.packedK = (k + perInt - 1) / perInt * perInt;
        this.data = data;
        this.int8 = int8;
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
            case FP32, INT8 -> 1;
            case BF16 -> 2;
        };
        int panels = (n + PANEL - 1) / PANEL;
        int groups = (k + perInt - 1) / perInt;
        long size = (long) panels * groups * PANEL;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(k + "x" + n + " is too large for one packed array");
        }
        int blocks = (k + INT8_BLOCK - 1) / INT8_BLOCK;
        int[] data = format == WeightFormat.INT8 ? null : new int[(int) size];
        byte[] bytes = format == WeightFormat.INT8 ? new byte[(int) size] : null;
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
                    bytes[(p * groups + q) * PANEL + col] = (byte) quantized;
                }
            }
        }
        return new PackedMatrix(format, k, n, perInt, data, bytes, scales);
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
        return data != null ? 4L * data.length : int8.length + 4L * scales.length;
    }

    /**
     * W[q][j] as stored: the fp32 value, the bf16 value widened, or for int8 the integer weight
     * (its block's scale is {@link #scale}).
     */
    public float weight(int q, int j) {
        int at = (j / PANEL * (packedK / perInt) + q / perInt) * PANEL + j % PANEL;
        return switch (format) {
            case FP32 -> Float.intBitsToFloat(data[at]);
            case BF16 -> Float.intBitsToFloat(q % 2 == 0 ? data[at] & HIGH_HALF : data[at] << 16);
            case INT8 -> int8[at];
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
        float[] xStrips = format == WeightFormat.FP32 && WIDE_GROUPS && rows >= 8 ? eightRowStrips(x, rows) : null;
        if ((long) rows * n * k < PARALLEL_MIN_WORK) {
            panels(out, x, xStrips, rows, 0, panels);
        } else {
            Parallel.forChunks(0, panels, (from, to) -> panels(out, x, xStrips, rows, from, to));
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

    /**
     * The whole eight-row groups of x packed as strips (each k's eight values side by side,
     * {@link Matmul#packStrips}), in the calling thread's buffer: read in place, eight rows k floats
     * apart, the eight-row pass needed a register per row and ran at ~250 GFLOP/s.
     */
    private float[] eightRowStrips(float[] x, int rows) {
        int packedRows = rows / 8 * 8;
        float[] strips = STRIPS.get();
        if (strips.length < packedRows * k) {
            strips = new float[packedRows * k];
            STRIPS.set(strips);
        }
        Matmul.packStrips(x, 0, k, packedRows, k, strips, 0);
        return strips;
    }

    private void panels(float[] out, float[] x, float[] xStrips, int rows, int from, int to) {
        float[] sums = new float[rows * PANEL];
        float[] block = new float[PANEL];
        int groups = packedK / perInt;
        int blocks = (k + INT8_BLOCK - 1) / INT8_BLOCK;
        for (int p = from; p < to; p++) {
            for (int q0 = 0; q0 < k; q0 += K_CHUNK) {
                int depth = Math.min(K_CHUNK, k - q0);
                int wAt = (p * groups + q0 / perInt) * PANEL;
                boolean first = q0 == 0;
                int r = 0;
                if (xStrips != null) {
                    for (; r + 8 <= rows; r += 8) {
                        for (int half = 0; half < PANEL; half += 2 * LANES) {
                            fp32EightRows(xStrips, r * k + q0 * 8, data, wAt + half, depth, sums, r * PANEL + half, first);
                        }
                    }
                }
                if (format != WeightFormat.INT8) {
                    for (; r + ROW_GROUP <= rows; r += ROW_GROUP) {
                        for (int half = 0; half < PANEL; half += 2 * LANES) {
                            if (format == WeightFormat.FP32) {
                                fp32FourRows(x, r * k + q0, k, data, wAt + half, depth, sums, r * PANEL + half, first);
                            } else {
                                bf16FourRows(x, r * k + q0, k, data, wAt + half, depth, sums, r * PANEL + half, first);
                            }
                        }
                    }
                }
                for (; r < rows; r++) {
                    int xAt = r * k + q0;
                    switch (format) {
                        case FP32 -> fp32Row(x, xAt, data, wAt, depth, sums, r * PANEL, first);
                        case BF16 -> bf16Row(x, xAt, data, wAt, depth, sums, r * PANEL, first);
                        case INT8 -> int8Row(x, xAt, int8, wAt, scales, (p * blocks + q0 / INT8_BLOCK) * PANEL, depth,
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

    /**
     * Rows a batch step runs through one pass over a chunk of a panel: each weight vector loaded
     * once for four rows instead of once per row, which held a 64-row step of {@code nano} to a
     * fraction of the arithmetic's speed. Each output's chain is the one-row kernel's, bit for bit.
     */
    private static final int ROW_GROUP = 4;

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

    /**
     * {@link #fp32Row} for four rows {@code k} apart over half a panel (two vectors at wAt): 8
     * accumulators, so it fits AVX2's 16 registers too.
     */
    private static void fp32FourRows(float[] x, int xAt, int k, int[] w, int wAt, int depth, float[] sums, int at, boolean first) {
        FloatVector a0 = load(sums, at, first);
        FloatVector a1 = load(sums, at + LANES, first);
        FloatVector b0 = load(sums, at + PANEL, first);
        FloatVector b1 = load(sums, at + PANEL + LANES, first);
        FloatVector c0 = load(sums, at + 2 * PANEL, first);
        FloatVector c1 = load(sums, at + 2 * PANEL + LANES, first);
        FloatVector d0 = load(sums, at + 3 * PANEL, first);
        FloatVector d1 = load(sums, at + 3 * PANEL + LANES, first);
        for (int q = 0, wq = wAt; q < depth; q++, wq += PANEL) {
            FloatVector w0 = floats(w, wq);
            FloatVector w1 = floats(w, wq + LANES);
            FloatVector xa = FloatVector.broadcast(S, x[xAt + q]);
            a0 = xa.fma(w0, a0);
            a1 = xa.fma(w1, a1);
            FloatVector xb = FloatVector.broadcast(S, x[xAt + k + q]);
            b0 = xb.fma(w0, b0);
            b1 = xb.fma(w1, b1);
            FloatVector xc = FloatVector.broadcast(S, x[xAt + 2 * k + q]);
            c0 = xc.fma(w0, c0);
            c1 = xc.fma(w1, c1);
            FloatVector xd = FloatVector.broadcast(S, x[xAt + 3 * k + q]);
            d0 = xd.fma(w0, d0);
            d1 = xd.fma(w1, d1);
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + LANES);
        b0.intoArray(sums, at + PANEL);
        b1.intoArray(sums, at + PANEL + LANES);
        c0.intoArray(sums, at + 2 * PANEL);
        c1.intoArray(sums, at + 2 * PANEL + LANES);
        d0.intoArray(sums, at + 3 * PANEL);
        d1.intoArray(sums, at + 3 * PANEL + LANES);
    }

    /**
     * With 32 vector registers (16 lanes: AVX-512), fp32 batches take eight rows per pass: 16
     * accumulators. The same condition as {@code Matmul}'s eight-row tile, whose strips the pass reads.
     */
    private static final boolean WIDE_GROUPS = Matmul.stripRows() == 8;

    /**
     * {@link #fp32FourRows} for eight rows: each weight vector loaded once for eight rows, whose x
     * is packed as a strip ({@code xs[xAt + 8q + r]} is row r's value at q).
     */
    private static void fp32EightRows(float[] xs, int xAt, int[] w, int wAt, int depth, float[] sums, int at, boolean first) {
        FloatVector a0 = load(sums, at, first);
        FloatVector a1 = load(sums, at + LANES, first);
        FloatVector b0 = load(sums, at + PANEL, first);
        FloatVector b1 = load(sums, at + PANEL + LANES, first);
        FloatVector c0 = load(sums, at + 2 * PANEL, first);
        FloatVector c1 = load(sums, at + 2 * PANEL + LANES, first);
        FloatVector d0 = load(sums, at + 3 * PANEL, first);
        FloatVector d1 = load(sums, at + 3 * PANEL + LANES, first);
        FloatVector e0 = load(sums, at + 4 * PANEL, first);
        FloatVector e1 = load(sums, at + 4 * PANEL + LANES, first);
        FloatVector f0 = load(sums, at + 5 * PANEL, first);
        FloatVector f1 = load(sums, at + 5 * PANEL + LANES, first);
        FloatVector g0 = load(sums, at + 6 * PANEL, first);
        FloatVector g1 = load(sums, at + 6 * PANEL + LANES, first);
        FloatVector h0 = load(sums, at + 7 * PANEL, first);
        FloatVector h1 = load(sums, at + 7 * PANEL + LANES, first);
        for (int q = 0, wq = wAt, xq = xAt; q < depth; q++, wq += PANEL, xq += 8) {
            FloatVector w0 = floats(w, wq);
            FloatVector w1 = floats(w, wq + LANES);
            FloatVector x0 = FloatVector.broadcast(S, xs[xq]);
            a0 = x0.fma(w0, a0);
            a1 = x0.fma(w1, a1);
            FloatVector x1 = FloatVector.broadcast(S, xs[xq + 1]);
            b0 = x1.fma(w0, b0);
            b1 = x1.fma(w1, b1);
            FloatVector x2 = FloatVector.broadcast(S, xs[xq + 2]);
            c0 = x2.fma(w0, c0);
            c1 = x2.fma(w1, c1);
            FloatVector x3 = FloatVector.broadcast(S, xs[xq + 3]);
            d0 = x3.fma(w0, d0);
            d1 = x3.fma(w1, d1);
            FloatVector x4 = FloatVector.broadcast(S, xs[xq + 4]);
            e0 = x4.fma(w0, e0);
            e1 = x4.fma(w1, e1);
            FloatVector x5 = FloatVector.broadcast(S, xs[xq + 5]);
            f0 = x5.fma(w0, f0);
            f1 = x5.fma(w1, f1);
            FloatVector x6 = FloatVector.broadcast(S, xs[xq + 6]);
            g0 = x6.fma(w0, g0);
            g1 = x6.fma(w1, g1);
            FloatVector x7 = FloatVector.broadcast(S, xs[xq + 7]);
            h0 = x7.fma(w0, h0);
            h1 = x7.fma(w1, h1);
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + LANES);
        b0.intoArray(sums, at + PANEL);
        b1.intoArray(sums, at + PANEL + LANES);
        c0.intoArray(sums, at + 2 * PANEL);
        c1.intoArray(sums, at + 2 * PANEL + LANES);
        d0.intoArray(sums, at + 3 * PANEL);
        d1.intoArray(sums, at + 3 * PANEL + LANES);
        e0.intoArray(sums, at + 4 * PANEL);
        e1.intoArray(sums, at + 4 * PANEL + LANES);
        f0.intoArray(sums, at + 5 * PANEL);
        f1.intoArray(sums, at + 5 * PANEL + LANES);
        g0.intoArray(sums, at + 6 * PANEL);
        g1.intoArray(sums, at + 6 * PANEL + LANES);
        h0.intoArray(sums, at + 7 * PANEL);
        h1.intoArray(sums, at + 7 * PANEL + LANES);
    }

    /** {@link #bf16Row} for four rows, as {@link #fp32FourRows}: each pair of weights widened once for the four. */
    private static void bf16FourRows(float[] x, int xAt, int k, int[] w, int wAt, int depth, float[] sums, int at, boolean first) {
        FloatVector a0 = load(sums, at, first);
        FloatVector a1 = load(sums, at + LANES, first);
        FloatVector b0 = load(sums, at + PANEL, first);
        FloatVector b1 = load(sums, at + PANEL + LANES, first);
        FloatVector c0 = load(sums, at + 2 * PANEL, first);
        FloatVector c1 = load(sums, at + 2 * PANEL + LANES, first);
        FloatVector d0 = load(sums, at + 3 * PANEL, first);
        FloatVector d1 = load(sums, at + 3 * PANEL + LANES, first);
        for (int q = 0, wq = wAt; q < depth; q += 2, wq += PANEL) {
            IntVector v0 = IntVector.fromArray(INTS, w, wq);
            IntVector v1 = IntVector.fromArray(INTS, w, wq + LANES);
            FloatVector w0 = v0.and(HIGH_HALF).reinterpretAsFloats();
            FloatVector w1 = v1.and(HIGH_HALF).reinterpretAsFloats();
            FloatVector xa = FloatVector.broadcast(S, x[xAt + q]);
            a0 = xa.fma(w0, a0);
            a1 = xa.fma(w1, a1);
            FloatVector xb = FloatVector.broadcast(S, x[xAt + k + q]);
            b0 = xb.fma(w0, b0);
            b1 = xb.fma(w1, b1);
            FloatVector xc = FloatVector.broadcast(S, x[xAt + 2 * k + q]);
            c0 = xc.fma(w0, c0);
            c1 = xc.fma(w1, c1);
            FloatVector xd = FloatVector.broadcast(S, x[xAt + 3 * k + q]);
            d0 = xd.fma(w0, d0);
            d1 = xd.fma(w1, d1);
            if (q + 1 < depth) { // odd k: the last row is alone in its pair
                w0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                w1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                xa = FloatVector.broadcast(S, x[xAt + q + 1]);
                a0 = xa.fma(w0, a0);
                a1 = xa.fma(w1, a1);
                xb = FloatVector.broadcast(S, x[xAt + k + q + 1]);
                b0 = xb.fma(w0, b0);
                b1 = xb.fma(w1, b1);
                xc = FloatVector.broadcast(S, x[xAt + 2 * k + q + 1]);
                c0 = xc.fma(w0, c0);
                c1 = xc.fma(w1, c1);
                xd = FloatVector.broadcast(S, x[xAt + 3 * k + q + 1]);
                d0 = xd.fma(w0, d0);
                d1 = xd.fma(w1, d1);
            }
        }
        a0.intoArray(sums, at);
        a1.intoArray(sums, at + LANES);
        b0.intoArray(sums, at + PANEL);
        b1.intoArray(sums, at + PANEL + LANES);
        c0.intoArray(sums, at + 2 * PANEL);
        c1.intoArray(sums, at + 2 * PANEL + LANES);
        d0.intoArray(sums, at + 3 * PANEL);
        d1.intoArray(sums, at + 3 * PANEL + LANES);
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
     * Per block of INT8_BLOCK rows: the chain over the integer weights, then sum = fma(block, scale, sum).
     * Each block's partial sums pass through {@code block} (a PANEL scratch), which keeps each
     * method small enough for C2 to inline every Vector API call.
     */
    private static void int8Row(float[] x, int xAt, byte[] w, int wAt, float[] scales, int scaleAt, int depth,
                                float[] sums, int at, boolean first, float[] block) {
        FloatVector c0 = load(sums, at, first);
        FloatVector c1 = load(sums, at + LANES, first);
        FloatVector c2 = load(sums, at + 2 * LANES, first);
        FloatVector c3 = load(sums, at + 3 * LANES, first);
        for (int b0 = 0, sAt = scaleAt; b0 < depth; b0 += INT8_BLOCK, sAt += PANEL) {
            int8Block(x, xAt + b0, w, wAt + b0 * PANEL, Math.min(INT8_BLOCK, depth - b0), block);
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

    /** block[0..PANEL) = x[xAt..xAt+rows) · the integer weights of {@code rows} panel rows from wAt. */
    private static void int8Block(float[] x, int xAt, byte[] w, int wAt, int rows, float[] block) {
        FloatVector p0 = FloatVector.zero(S);
        FloatVector p1 = p0;
        FloatVector p2 = p0;
        FloatVector p3 = p0;
        for (int q = 0, wq = wAt; q < rows; q++, wq += PANEL) {
            FloatVector xq = FloatVector.broadcast(S, x[xAt + q]);
            p0 = xq.fma(widen(w, wq), p0);
            p1 = xq.fma(widen(w, wq + LANES), p1);
            p2 = xq.fma(widen(w, wq + 2 * LANES), p2);
            p3 = xq.fma(widen(w, wq + 3 * LANES), p3);
        }
        p0.intoArray(block, 0);
        p1.intoArray(block, LANES);
        p2.intoArray(block, 2 * LANES);
        p3.intoArray(block, 3 * LANES);
    }

    private static FloatVector widen(byte[] w, int at) {
        if (BYTES == null) {
            float[] values = new float[LANES];
            for (int i = 0; i < LANES; i++) {
                values[i] = w[at + i];
            }
            return FloatVector.fromArray(S, values, 0);
        }
        return (FloatVector) ByteVector.fromArray(BYTES, w, at).convertShape(VectorOperators.B2F, S, 0);
    }

    @Override
    public String toString() {
        return "PackedMatrix[" + format + ", " + k + "x" + n + ", " + bytes() + " bytes]";
    }
}
