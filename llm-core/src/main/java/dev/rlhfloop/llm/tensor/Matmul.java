package dev.rlhfloop.llm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-major matrix products, the one kernel that serves the forward pass and both backward
 * products of every linear layer.
 *
 * <p>{@code c[m×n] (+)= op(a) · op(b)} where {@code op(a)} is {@code a[m×k]} or, transposed,
 * {@code a} stored as {@code [k×m]}; likewise {@code op(b)} is {@code b[k×n]} or {@code b} stored
 * as {@code [n×k]}. Each operand starts at its offset and is densely packed.
 *
 * <p>How it is fast: the operands are copied ("packed") into the order the micro-kernel reads
 * them — {@code op(b)} into panels of {@link #NR} columns, {@code op(a)} into strips of {@link #MR}
 * rows, k-major — so the transposes of the three training products (NN forward, NT input
 * gradient, TN weight gradient) are absorbed by packing and one micro-kernel serves them all.
 * A transposed {@code a} is already k-major: the kernel reads its full strips in place. The
 * micro-kernel keeps an MR×NR tile of {@code c} in vector registers and, for every k, broadcasts
 * MR values of {@code a} against NR/lanes vectors of {@code b}. Blocking over k (KC), rows (MC)
 * and columns (NC) keeps the working set in cache and the scratch buffers bounded.
 *
 * <p>Deterministic: each element of {@code c} is one chain of fused multiply-adds over k in
 * order, computed by exactly one thread; threads only split the tiles. The result is therefore
 * bit-identical for any thread count. Batch-1 products (m = 1, or n = 1) take a matrix-vector path
 * that streams the matrix once instead of packing it.
 */
public final class Matmul {

    private static final VectorSpecies<Float> SPECIES = dev.rlhfloop.llm.Engine.FLOATS;
    private static final int LANES = SPECIES.length();

    /**
     * Rows of the register tile. With 8-float vectors (AVX2, 16 registers): 5 rows × 2 vectors = 10
     * accumulators + 2 b vectors + 1 broadcast. Measured on AVX2 (GFLOP/s per core, L1-resident):
     * 5×2 95–98 on JDK 17 and 25; 6×2 90–100 on JDK 17 but 43 on JDK 25 (register spills); 4×3 and
     * 3×4 41–43. With 16-float vectors (AVX-512, 32 registers): 8 rows, 16 accumulators. Measured on
     * Zen 5, JDK 17, {@code EngineBenchmark train nano --steps 20}: 8,646–9,431 tokens/s with 8 rows
     * against 7,931–8,690 with 5 (interleaved runs); 6, 7, 9 and 10 rows within noise of 8; 12 rows
     * 7,314–7,339.
     */
    static final int MR = LANES >= 16 ? 8 : 5;
    /** Columns of the register tile: two vectors (a multiple of 4, which packB relies on). */
    static final int NR = 2 * LANES;
    /**
     * Depth of one k block: an A strip (MR·KC floats, 7.5 KiB of 5 rows, 12 KiB of 8) stays in L1 while the B panels of
     * a column block stream past it from L2. Each k block after the first reloads and restores c.
     * 256, 512 and 768 measured within noise of 384 on the GPT-2 training products.
     */
    private static final int KC_MAX = 384;
    /**
     * Floats of a packed row block of a (MC·KC, 4 MiB): all the rows a thread takes of a training
     * product of 2,048 tokens at once, so b is packed once per k block. With 1 MiB, b was packed 2-4
     * times (6.3 M floats per thread for small's tied head); 4 MiB trained nano and small 0-13%
     * faster in six interleaved runs on Zen 5.
     */
    private static final int A_BLOCK_FLOATS = 1024 * 1024;
    /** Floats of a packed column block of b (KC·NC, 256 KiB): half the 512 KiB L2, where it stays while every A strip passes. */
    private static final int B_BLOCK_FLOATS = 64 * 1024;
    /**
     * Up to this many rows, a · bᵀ (the tied head, a LoRA adapter) computes each row as the m = 1
     * path does, streaming b once for all rows: batch-invariant. Every product without a transposed
     * b is batch-invariant at any m (each element is one in-order FMA chain over k in both paths).
     */
    public static final int ROW_DOT_MAX_ROWS = 64;
    /** Up to this many rows, x·w (w [k×n], not accumulating) sweeps w once instead of packing it. */
    static final int SWEEP_MAX_ROWS = 8;
    /**
     * The longest row of a transposed a ([k×m]) that the kernel reads in place. A strip then reads
     * one line per k, m floats apart, from L2 rather than L1 once the lines share cache sets. On Zen
     * 5 with 16-float vectors in place is still faster at m = 4,096 (nano's tied head, 404 against
     * 360 GFLOP/s), packing at m = 8,192 (small's, 361-365 against 343-347); with 8-float vectors
     * (the same CPU at -XX:UseAVX=2, the 5-row tile) in place is as fast at m = 256 but 30% slower at
     * 1,024 and 4,096.
     */
    static final int IN_PLACE_MAX_M = LANES >= 16 ? 4096 : 256;
    /** Below this many multiply-adds a product runs on the calling thread: forking costs more than it saves. */
    private static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Matmul() {}

    public static void multiply(float[] c, int cOffset,
                                float[] a, int aOffset, boolean transposeA,
                                float[] b, int bOffset, boolean transposeB,
                                int m, int n, int k, boolean accumulate) {
        if (nothingToMultiply(c, cOffset, a, aOffset, b, bOffset, m, n, k, accumulate)) {
            return;
        }
        if (n == 1 && m > 1) {
            // c[m×1] = op(a)·b is the row vector bᵀ·op(a)ᵀ: same memory, served by the vector path.
            vectorTimesMatrix(c, cOffset, b, bOffset, 1, a, aOffset, !transposeA, m, k, accumulate);
        } else if (m == 1) {
            vectorTimesMatrix(c, cOffset, a, aOffset, 1, b, bOffset, transposeB, n, k, accumulate);
        } else if (!transposeB && !transposeA && m <= SWEEP_MAX_ROWS && !accumulate) {
            // A few rows (a small decode batch): stream w once for them instead of packing it,
            // element by element the same chain as the packed kernel's.
            vectorTimesMatrix(c, cOffset, a, aOffset, m, b, bOffset, false, n, k, false);
        } else if (transposeB && !transposeA && m <= ROW_DOT_MAX_ROWS) {
            // Each element as the m = 1 path computes it (the packed kernel sums a dot product in
            // another order), so a row's result does not depend on the rows beside it: a batch of
            // sequences decoded together gets each sequence's logits bit for bit as if alone.
            vectorTimesMatrix(c, cOffset, a, aOffset, m, b, bOffset, true, n, k, accumulate);
        } else {
            packedProduct(new Product(c, cOffset, a, aOffset, transposeA, b, bOffset, transposeB, m, n, k, accumulate, null));
        }
    }

    /**
     * {@code c (+)= a·b} for a non-transposed {@code b[k×n]} that also adds b's column sums into
     * {@code bColumnSums[n]}: the bias gradient of a weight gradient {@code xᵀ·dy}, summed while
     * b is packed instead of in a pass of its own over dy (cuBLASLt's BGRADB epilogue). Each sum is
     * added in row order, as a loop over b's rows would add it.
     */
    public static void multiplySummingColumnsOfB(float[] c, int cOffset,
                                                 float[] a, int aOffset, boolean transposeA,
                                                 float[] b, int bOffset,
                                                 int m, int n, int k, boolean accumulate, float[] bColumnSums) {
        checkRange("bColumnSums", bColumnSums, 0, n);
        if (nothingToMultiply(c, cOffset, a, aOffset, b, bOffset, m, n, k, accumulate)) {
            return;
        }
        packedProduct(new Product(c, cOffset, a, aOffset, transposeA, b, bOffset, false, m, n, k, accumulate, bColumnSums));
    }

    /**
     * The same product, always through the packed kernel (any m, either operand transposed):
     * for training's small products (attention scores), where rows need not match the one-row
     * path bit for bit and that path's per-element lane sum costs more than packing.
     */
    public static void multiplyPacked(float[] c, int cOffset,
                                      float[] a, int aOffset, boolean transposeA,
                                      float[] b, int bOffset, boolean transposeB,
                                      int m, int n, int k, boolean accumulate) {
        if (nothingToMultiply(c, cOffset, a, aOffset, b, bOffset, m, n, k, accumulate)) {
            return;
        }
        packedProduct(new Product(c, cOffset, a, aOffset, transposeA, b, bOffset, transposeB, m, n, k, accumulate, null));
    }

    // ------------------------------------------------------------ operands packed once, for many small products

    /** Rows of a strip of a packed a ({@link #packStrips}): the register tile's rows. */
    public static int stripRows() {
        return MR;
    }

    /** Columns of a panel of a packed b ({@link #packPanels}). */
    public static int panelColumns() {
        return NR;
    }

    /**
     * Packs a [rows × k] (row i at {@code aOffset + i·lda}) into {@link #stripRows}-row strips,
     * k-major, the last strip zero-padded: strip s at {@code into[intoOffset + s·MR·k]}, its k-th MR
     * values side by side. For {@link #multiplyStrip}, when one operand serves many products
     * (attention's q and k of a head serve every block of queries).
     */
    public static void packStrips(float[] a, int aOffset, int lda, int rows, int k, float[] into, int intoOffset) {
        for (int s = 0; s < rows; s += MR) {
            int at = intoOffset + s * k;
            for (int r = 0; r < MR; r++) {
                if (s + r < rows) {
                    int from = aOffset + (s + r) * lda;
                    for (int q = 0, to = at + r; q < k; q++, to += MR) {
                        into[to] = a[from + q];
                    }
                } else {
                    for (int q = 0, to = at + r; q < k; q++, to += MR) {
                        into[to] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs op(b) [k × n] into {@link #panelColumns}-column panels, k-major, the last panel
     * zero-padded: panel p at {@code into[intoOffset + p·NR·k]}, its k-th NR values side by side.
     * op(b) is b [k × n] with rows {@code ldb} apart or, {@code transposed}, b stored [n × k] with
     * rows {@code ldb} apart.
     */
    public static void packPanels(float[] b, int bOffset, int ldb, boolean transposed, int k, int n, float[] into,
                                  int intoOffset) {
        packPanels(b, bOffset, ldb, transposed, k, n, into, intoOffset, null, 0);
    }

    /**
     * {@code c[rows × n] (+)= strip · panels} over the k steps {@code [kFrom, kTo)}, for one strip of
     * at most {@link #stripRows} rows of c (rows {@code ldc} apart from {@code cAt}), on the calling
     * thread. The strip's k-th MR values are at {@code a[aAt + k·aStep]} ({@code aStep} = MR for a
     * strip from {@link #packStrips}; a transposed a's row length to read its strip in place, when
     * MR values from there on may be read); panel p's k-th NR values at
     * {@code panels[panelAt + p·panelStride + k·NR]}. Each element is the in-order FMA chain over
     * those k, as in {@link #multiply}. With {@code kFrom == kTo}, c is cleared or kept.
     */
    public static void multiplyStrip(float[] c, int cAt, int ldc, int rows, float[] a, int aAt, int aStep,
                                     float[] panels, int panelAt, int panelStride, int n, int kFrom, int kTo,
                                     boolean accumulate) {
        if (rows < 1 || rows > MR) {
            throw new IllegalArgumentException("a strip has 1 to " + MR + " rows, got " + rows);
        }
        if (kFrom >= kTo) {
            for (int r = 0; !accumulate && r < rows; r++) {
                java.util.Arrays.fill(c, cAt + r * ldc, cAt + r * ldc + n, 0f);
            }
            return;
        }
        float[] tile = SCRATCH.get().tile;
        int aFrom = aAt + kFrom * aStep;
        for (int jr = 0, p = panelAt + kFrom * NR; jr < n; jr += NR, p += panelStride) {
            tile(a, aFrom, aStep, panels, p, kTo - kFrom, c, cAt + jr, ldc, rows, Math.min(NR, n - jr), accumulate, tile);
        }
    }

    /** Checks the operands; an empty product (m, n or k zero) is done here, and then true. */
    private static boolean nothingToMultiply(float[] c, int cOffset, float[] a, int aOffset, float[] b, int bOffset,
                                             int m, int n, int k, boolean accumulate) {
        checkOperands(c, cOffset, a, aOffset, b, bOffset, m, n, k);
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c, cOffset, cOffset + m * n, 0f);
            }
            return true;
        }
        return false;
    }

    /** The plain definition, one scalar product per element: what the fast paths are tested against. */
    public static void multiplyReference(float[] c, int cOffset,
                                         float[] a, int aOffset, boolean transposeA,
                                         float[] b, int bOffset, boolean transposeB,
                                         int m, int n, int k, boolean accumulate) {
        checkOperands(c, cOffset, a, aOffset, b, bOffset, m, n, k);
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

    private static void checkOperands(float[] c, int cOffset, float[] a, int aOffset, float[] b, int bOffset,
                                      int m, int n, int k) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("matmul sizes must be >= 0, got m=" + m + " n=" + n + " k=" + k);
        }
        checkRange("c", c, cOffset, (long) m * n);
        checkRange("a", a, aOffset, (long) m * k);
        checkRange("b", b, bOffset, (long) k * n);
    }

    private static void checkRange(String name, float[] array, int offset, long size) {
        if (offset < 0 || offset + size > array.length) {
            throw new IllegalArgumentException("matmul operand " + name + ": " + size + " floats at offset " + offset
                    + " do not fit in an array of " + array.length);
        }
    }

    private record Product(float[] c, int cOffset, float[] a, int aOffset, boolean transposeA,
                           float[] b, int bOffset, boolean transposeB, int m, int n, int k, boolean accumulate,
                           float[] bColumnSums) {}

    /** Per-thread packing buffers, grown on demand and bounded by the block sizes. */
    private static final class Scratch {
        float[] packedA = new float[0];
        float[] packedB = new float[0];
        final float[] tile = new float[MR * NR];

        float[] packedA(int size) {
            if (packedA.length < size) {
                packedA = new float[size];
            }
            return packedA;
        }

        float[] packedB(int size) {
            if (packedB.length < size) {
                packedB = new float[size];
            }
            return packedB;
        }
    }

    // ---------------------------------------------------------------- packed, register-blocked product

    private static void packedProduct(Product p) {
        int strips = ceilDiv(p.m, MR);
        int panels = ceilDiv(p.n, NR);
        // Split the dimension whose other operand is cheaper to pack twice (every part packs all of
        // it), unless that leaves too few tiles to go round.
        boolean splitColumns = Math.min(panels, strips) < Parallel.threads() ? panels >= strips : p.m <= p.n;
        int tiles = splitColumns ? panels : strips;
        int parts = (long) p.m * p.n * p.k < PARALLEL_MIN_WORK ? 1 : Math.min(Parallel.threads(), tiles);
        if (parts <= 1) {
            computeRegion(p, 0, p.m, 0, p.n);
            return;
        }
        Parallel.forChunks(0, parts, (from, to) -> {
            for (int part = from; part < to; part++) {
                int first = (int) ((long) tiles * part / parts);
                int last = (int) ((long) tiles * (part + 1) / parts);
                if (splitColumns) {
                    computeRegion(p, 0, p.m, first * NR, Math.min(p.n, last * NR));
                } else {
                    computeRegion(p, first * MR, Math.min(p.m, last * MR), 0, p.n);
                }
            }
        });
    }

    /**
     * Computes the block c[rowFrom..rowTo) × [colFrom..colTo) on the calling thread. Loop order:
     * k blocks, row blocks (packed a), column blocks (packed b, kept in L2), A strips (kept in L1),
     * B panels. Consecutive tiles then walk along the rows of c, which the hardware prefetchers
     * follow; walking down the columns instead (one B panel against every strip) made each tile's
     * loads of c miss the cache.
     */
    private static void computeRegion(Product p, int rowFrom, int rowTo, int colFrom, int colTo) {
        Scratch scratch = SCRATCH.get();
        int kBlocks = ceilDiv(p.k, KC_MAX);
        int kc = ceilDiv(p.k, kBlocks);
        int mc = Math.min(roundUp(rowTo - rowFrom, MR), Math.max(MR, A_BLOCK_FLOATS / kc / MR * MR));
        int nc = Math.min(roundUp(colTo - colFrom, NR), Math.max(NR, B_BLOCK_FLOATS / kc / NR * NR));
        float[] packedA = scratch.packedA(mc * kc);
        float[] packedB = scratch.packedB(nc * kc);
        for (int pc = 0; pc < p.k; pc += kc) {
            int kcHere = Math.min(kc, p.k - pc);
            // The first k block starts from c only when accumulating; later blocks continue c.
            boolean loadC = pc > 0 || p.accumulate;
            for (int ic = rowFrom; ic < rowTo; ic += mc) {
                int mcHere = Math.min(mc, rowTo - ic);
                // a stored transposed ([k×m]) already holds each k's rows side by side: the kernel reads
                // its full strips in place, a row of a apart per k (packing them was 6-20% of the weight
                // gradients' time). Only a partial last strip, or a not transposed, is packed; so is a
                // with rows longer than IN_PLACE_MAX_M, whose strips would touch a page per k.
                int packedFrom = p.transposeA && p.m <= IN_PLACE_MAX_M ? mcHere / MR * MR : 0;
                if (packedFrom < mcHere) {
                    packA(p, ic + packedFrom, mcHere - packedFrom, pc, kcHere, packedA);
                }
                // Every part packs all of b's columns it needs once per row block: the first row block
                // of the part holding row 0 adds them into the column sums, so each is added once.
                float[] sums = ic == 0 ? p.bColumnSums : null;
                for (int jc = colFrom; jc < colTo; jc += nc) {
                    int ncHere = Math.min(nc, colTo - jc);
                    packB(p, pc, kcHere, jc, ncHere, packedB, sums);
                    for (int ir = 0; ir < mcHere; ir += MR) {
                        int rows = Math.min(MR, mcHere - ir);
                        boolean inPlace = ir < packedFrom;
                        float[] a = inPlace ? p.a : packedA;
                        int aAt = inPlace ? p.aOffset + pc * p.m + ic + ir : (ir - packedFrom) / MR * kcHere * MR;
                        int aStep = inPlace ? p.m : MR;
                        for (int jr = 0; jr < ncHere; jr += NR) {
                            int cols = Math.min(NR, ncHere - jr);
                            int panel = jr / NR * kcHere * NR;
                            int cAt = p.cOffset + (ic + ir) * p.n + jc + jr;
                            tile(a, aAt, aStep, packedB, panel, kcHere, p.c, cAt, p.n, rows, cols, loadC, scratch.tile);
                        }
                    }
                }
            }
        }
    }

    /**
     * Packs op(a)[rows i0..i0+rows) × [p0..p0+kc) into MR-row strips, k-major, zero-padding the
     * last strip. Each source is read along its contiguous dimension: a row at a time when a is
     * [m×k], a row of the stored [k×m] at a time (across all strips) when transposed.
     */
    private static void packA(Product p, int i0, int rows, int p0, int kc, float[] packed) {
        float[] a = p.a;
        int full = rows / MR * MR;
        if (p.transposeA) {
            for (int q = 0; q < kc; q++) {
                int from = p.aOffset + (p0 + q) * p.m + i0;
                for (int s = 0, to = q * MR; s < full; s += MR, to += kc * MR) {
                    for (int r = 0; r < MR; r++) {
                        packed[to + r] = a[from + s + r];
                    }
                }
            }
        } else {
            for (int s = 0; s < full; s += MR) {
                for (int r = 0; r < MR; r++) {
                    int from = p.aOffset + (i0 + s + r) * p.k + p0;
                    for (int q = 0, to = s / MR * kc * MR + r; q < kc; q++, to += MR) {
                        packed[to] = a[from + q];
                    }
                }
            }
        }
        int valid = rows - full;
        for (int q = 0, to = full / MR * kc * MR; valid > 0 && q < kc; q++, to += MR) {
            for (int r = 0; r < MR; r++) {
                packed[to + r] = r < valid ? elementOfA(p, i0 + full + r, p0 + q) : 0f;
            }
        }
    }

    /** Packs op(b)[p0..p0+kc) × [j0..j0+cols) of the product into NR-column panels at {@code packed[0]} ({@link #packPanels}). */
    private static void packB(Product p, int p0, int kc, int j0, int cols, float[] packed, float[] sums) {
        int at = p.bOffset + (p.transposeB ? j0 * p.k + p0 : p0 * p.n + j0);
        packPanels(p.b, at, p.transposeB ? p.k : p.n, p.transposeB, kc, cols, packed, 0, sums, j0);
    }

    /**
     * {@link #packPanels(float[], int, int, boolean, int, int, float[], int)}, and with {@code sums}
     * (b not transposed) each packed row of b also added into {@code sums[sumsAt, sumsAt + n)}. b
     * [k×n] is copied a row at a time; b stored [n×k] four of its rows at a time, so the reads are
     * four sequential streams and the writes stay within one cache line (one column at a time made
     * each write land on a different line: 0.84 against 0.56 ns per element).
     */
    private static void packPanels(float[] b, int bOffset, int ldb, boolean transposed, int k, int n, float[] into,
                                   int intoOffset, float[] sums, int sumsAt) {
        int full = n / NR * NR;
        if (!transposed) {
            for (int q = 0; q < k; q++) {
                int from = bOffset + q * ldb;
                for (int jr = 0, to = intoOffset + q * NR; jr < full; jr += NR, to += k * NR) {
                    for (int v = 0; v < NR; v += LANES) {
                        FloatVector row = FloatVector.fromArray(SPECIES, b, from + jr + v);
                        row.intoArray(into, to + v);
                        if (sums != null) {
                            row.add(FloatVector.fromArray(SPECIES, sums, sumsAt + jr + v)).intoArray(sums, sumsAt + jr + v);
                        }
                    }
                }
                for (int j = full; sums != null && j < n; j++) {
                    sums[sumsAt + j] += b[from + j];
                }
            }
        } else {
            for (int jr = 0; jr < full; jr += NR) {
                for (int jj = 0; jj < NR; jj += 4) {
                    int from = bOffset + (jr + jj) * ldb;
                    for (int q = 0, to = intoOffset + jr * k + jj; q < k; q++, to += NR) {
                        into[to] = b[from + q];
                        into[to + 1] = b[from + ldb + q];
                        into[to + 2] = b[from + 2 * ldb + q];
                        into[to + 3] = b[from + 3 * ldb + q];
                    }
                }
            }
        }
        for (int q = 0, to = intoOffset + full * k; full < n && q < k; q++, to += NR) {
            for (int jj = 0; jj < NR; jj++) {
                int j = full + jj;
                into[to + jj] = j >= n ? 0f : transposed ? b[bOffset + j * ldb + q] : b[bOffset + q * ldb + j];
            }
        }
    }

    /** op(a)[i][q]. */
    private static float elementOfA(Product p, int i, int q) {
        return p.transposeA ? p.a[p.aOffset + q * p.m + i] : p.a[p.aOffset + i * p.k + q];
    }

    /**
     * One rows×cols tile of c (at most MR×NR) at cAt: the micro-kernel computes it into the
     * thread's scratch tile, which is then copied into c. A partial tile at the bottom or right
     * edge first copies its part of c into the scratch tile, so the kernel always reads a full tile.
     */
    private static void tile(float[] a, int aAt, int colStride, float[] packedB, int bAt, int kc,
                             float[] c, int cAt, int ldc, int rows, int cols, boolean loadC, float[] tile) {
        if (rows == MR && cols == NR) {
            kernel(a, aAt, colStride, packedB, bAt, kc, c, cAt, ldc, loadC, tile);
            for (int r = 0; r < MR; r++) {
                for (int v = 0; v < NR; v += LANES) {
                    FloatVector.fromArray(SPECIES, tile, r * NR + v).intoArray(c, cAt + r * ldc + v);
                }
            }
            return;
        }
        if (loadC) {
            for (int r = 0; r < rows; r++) {
                System.arraycopy(c, cAt + r * ldc, tile, r * NR, cols);
            }
        }
        kernel(a, aAt, colStride, packedB, bAt, kc, tile, 0, NR, loadC, tile);
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tile, r * NR, c, cAt + r * ldc, cols);
        }
    }

    /** The micro-kernel of {@link #MR} rows (a constant: C2 keeps one branch). */
    private static void kernel(float[] a, int aAt, int colStride, float[] packedB, int bAt, int kc,
                               float[] c, int cAt, int ldc, boolean loadC, float[] tile) {
        if (MR == 8) {
            microKernel8(a, aAt, colStride, packedB, bAt, kc, c, cAt, ldc, loadC, tile);
        } else {
            microKernel5(a, aAt, colStride, packedB, bAt, kc, c, cAt, ldc, loadC, tile);
        }
    }

    /**
     * tile[5×NR] = (loadC ? c[5×NR at cAt, row stride ldc] : 0) + strip · panel over kc steps, the
     * strip's 5 values of each k side by side in {@code a}, {@code colStride} apart from one k to
     * the next (5 when packed, m when read in place from a transposed a). The 10 accumulators are
     * named locals so that C2 keeps them in registers. The result goes to the scratch tile rather
     * than to c so that only the tile is live across the loop: with c, its offset and stride live
     * too, C2 sometimes spilled the loop's indices into vector registers and the kernel ran at 62
     * instead of 97 GFLOP/s, depending on the run.
     */
    static void microKernel5(float[] a, int aAt, int colStride, float[] packedB, int bAt, int kc,
                             float[] c, int cAt, int ldc, boolean loadC, float[] tile) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
        if (loadC) {
            c00 = FloatVector.fromArray(SPECIES, c, cAt);
            c01 = FloatVector.fromArray(SPECIES, c, cAt + LANES);
            c10 = FloatVector.fromArray(SPECIES, c, cAt + ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cAt + ldc + LANES);
            c20 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + LANES);
            c30 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + LANES);
            c40 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + LANES);
        } else {
            FloatVector zero = FloatVector.zero(SPECIES);
            c00 = zero; c01 = zero; c10 = zero; c11 = zero; c20 = zero;
            c21 = zero; c30 = zero; c31 = zero; c40 = zero; c41 = zero;
        }
        // Indices advance by addition (not q·MR): measured ~10% faster on JDK 17.
        for (int q = 0, aq = aAt, bq = bAt; q < kc; q++, aq += colStride, bq += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, packedB, bq);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packedB, bq + LANES);
            FloatVector a0 = FloatVector.broadcast(SPECIES, a[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, a[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, a[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, a[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, a[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
    }

    /** {@link #microKernel5} for a strip 8 rows wide: 16 accumulators, for AVX-512's 32 registers. */
    static void microKernel8(float[] a, int aAt, int colStride, float[] packedB, int bAt, int kc,
                             float[] c, int cAt, int ldc, boolean loadC, float[] tile) {
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (loadC) {
            c00 = FloatVector.fromArray(SPECIES, c, cAt);
            c01 = FloatVector.fromArray(SPECIES, c, cAt + LANES);
            c10 = FloatVector.fromArray(SPECIES, c, cAt + ldc);
            c11 = FloatVector.fromArray(SPECIES, c, cAt + ldc + LANES);
            c20 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc);
            c21 = FloatVector.fromArray(SPECIES, c, cAt + 2 * ldc + LANES);
            c30 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc);
            c31 = FloatVector.fromArray(SPECIES, c, cAt + 3 * ldc + LANES);
            c40 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc);
            c41 = FloatVector.fromArray(SPECIES, c, cAt + 4 * ldc + LANES);
            c50 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc);
            c51 = FloatVector.fromArray(SPECIES, c, cAt + 5 * ldc + LANES);
            c60 = FloatVector.fromArray(SPECIES, c, cAt + 6 * ldc);
            c61 = FloatVector.fromArray(SPECIES, c, cAt + 6 * ldc + LANES);
            c70 = FloatVector.fromArray(SPECIES, c, cAt + 7 * ldc);
            c71 = FloatVector.fromArray(SPECIES, c, cAt + 7 * ldc + LANES);
        } else {
            FloatVector zero = FloatVector.zero(SPECIES);
            c00 = zero; c01 = zero; c10 = zero; c11 = zero;
            c20 = zero; c21 = zero; c30 = zero; c31 = zero;
            c40 = zero; c41 = zero; c50 = zero; c51 = zero;
            c60 = zero; c61 = zero; c70 = zero; c71 = zero;
        }
        for (int q = 0, aq = aAt, bq = bAt; q < kc; q++, aq += colStride, bq += NR) {
            FloatVector b0 = FloatVector.fromArray(SPECIES, packedB, bq);
            FloatVector b1 = FloatVector.fromArray(SPECIES, packedB, bq + LANES);
            FloatVector a0 = FloatVector.broadcast(SPECIES, a[aq]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, a[aq + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, a[aq + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, a[aq + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, a[aq + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, a[aq + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(SPECIES, a[aq + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(SPECIES, a[aq + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 0 + LANES);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + LANES);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + LANES);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + LANES);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + LANES);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + LANES);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + LANES);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + LANES);
    }

    // ---------------------------------------------------------------- batch-1: vector × matrix

    /**
     * c[1×n] (+)= x[1×k] · op(w): the generation step, bound by streaming w from memory once. For
     * w stored [k×n] each output is the same in-order FMA chain over k as the packed kernel makes;
     * for w stored [n×k] (the tied head) each output is a dot product of two contiguous rows.
     */
    private static void vectorTimesMatrix(float[] c, int cOffset, float[] x, int xOffset, int rows,
                                          float[] w, int wOffset, boolean transposeW, int n, int k,
                                          boolean accumulate) {
        int grain = transposeW ? 4 : LANES;
        int groups = ceilDiv(n, grain);
        int parts = (long) rows * n * k < PARALLEL_MIN_WORK ? 1 : Math.min(Parallel.threads(), groups);
        Parallel.forChunks(0, parts, (from, to) -> {
            for (int part = from; part < to; part++) {
                int j0 = (int) ((long) groups * part / parts) * grain;
                int j1 = Math.min(n, (int) ((long) groups * (part + 1) / parts) * grain);
                if (transposeW) {
                    rowDots(c, cOffset, x, xOffset, rows, w, wOffset, n, j0, j1, k, accumulate);
                } else {
                    rowSweep(c, cOffset, x, xOffset, rows, w, wOffset, n, j0, j1, k, accumulate);
                }
            }
        });
    }

    /**
     * c[·][j0..j1) of every row for w [k×n]: sweeps w's rows in order (four at a time), each w
     * vector loaded once for all rows, accumulating into a scratch row per row of c. Each element
     * is the in-order FMA chain over k that the packed kernel makes too.
     */
    private static void rowSweep(float[] c, int cOffset, float[] x, int xOffset, int rows, float[] w, int wOffset, int n,
                                 int j0, int j1, int k, boolean accumulate) {
        int width = j1 - j0;
        float[] sums = SCRATCH.get().packedB(rows * width);
        java.util.Arrays.fill(sums, 0, rows * width, 0f);
        int vectorEnd = width - width % LANES;
        int q = 0;
        for (; q + 4 <= k; q += 4) {
            int row0 = wOffset + q * n + j0;
            int row1 = row0 + n;
            int row2 = row1 + n;
            int row3 = row2 + n;
            for (int j = 0; j < vectorEnd; j += LANES) {
                FloatVector w0 = FloatVector.fromArray(SPECIES, w, row0 + j);
                FloatVector w1 = FloatVector.fromArray(SPECIES, w, row1 + j);
                FloatVector w2 = FloatVector.fromArray(SPECIES, w, row2 + j);
                FloatVector w3 = FloatVector.fromArray(SPECIES, w, row3 + j);
                for (int r = 0, xq = xOffset + q, at = j; r < rows; r++, xq += k, at += width) {
                    FloatVector s = FloatVector.fromArray(SPECIES, sums, at);
                    s = FloatVector.broadcast(SPECIES, x[xq]).fma(w0, s);
                    s = FloatVector.broadcast(SPECIES, x[xq + 1]).fma(w1, s);
                    s = FloatVector.broadcast(SPECIES, x[xq + 2]).fma(w2, s);
                    s = FloatVector.broadcast(SPECIES, x[xq + 3]).fma(w3, s);
                    s.intoArray(sums, at);
                }
            }
            for (int r = 0, xq = xOffset + q; r < rows; r++, xq += k) {
                for (int j = vectorEnd, at = r * width + vectorEnd; j < width; j++, at++) {
                    float s = sums[at];
                    s = Math.fma(x[xq], w[row0 + j], s);
                    s = Math.fma(x[xq + 1], w[row1 + j], s);
                    s = Math.fma(x[xq + 2], w[row2 + j], s);
                    s = Math.fma(x[xq + 3], w[row3 + j], s);
                    sums[at] = s;
                }
            }
        }
        for (; q < k; q++) {
            int row = wOffset + q * n + j0;
            for (int r = 0, xq = xOffset + q; r < rows; r++, xq += k) {
                FloatVector xv = FloatVector.broadcast(SPECIES, x[xq]);
                int base = r * width;
                for (int j = 0; j < vectorEnd; j += LANES) {
                    xv.fma(FloatVector.fromArray(SPECIES, w, row + j), FloatVector.fromArray(SPECIES, sums, base + j))
                            .intoArray(sums, base + j);
                }
                for (int j = vectorEnd; j < width; j++) {
                    sums[base + j] = Math.fma(x[xq], w[row + j], sums[base + j]);
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < width; j++) {
                int at = cOffset + r * n + j0 + j;
                c[at] = accumulate ? c[at] + sums[r * width + j] : sums[r * width + j];
            }
        }
    }

    /**
     * Columns [j0..j1) of every row of c[rows×n] for w [n×k]: four dot products at a time, each
     * summed lane-wise and then lanes in order. All rows pass over four rows of w while those are in
     * L1, so w streams from memory once for the batch, and each row's sums are the same as alone.
     */
    private static void rowDots(float[] c, int cOffset, float[] x, int xOffset, int rows, float[] w, int wOffset,
                                int n, int j0, int j1, int k, boolean accumulate) {
        int vectorEnd = k - k % LANES;
        float[] lanes = SCRATCH.get().tile;
        int quadsEnd = j0 + (j1 - j0) / 4 * 4;
        for (int j = j0; j < quadsEnd; j += 4) {
            for (int r = 0; r < rows; r++) {
                dotQuad(c, cOffset + r * n, x, xOffset + r * k, w, wOffset, j, k, vectorEnd, lanes, accumulate);
            }
        }
        for (int r = 0; r < rows; r++) {
            dotTail(c, cOffset + r * n, x, xOffset + r * k, w, wOffset, quadsEnd, j1, k, vectorEnd, lanes, accumulate);
        }
    }

    private static void dotQuad(float[] c, int cOffset, float[] x, int xOffset, float[] w, int wOffset, int j, int k,
                                int vectorEnd, float[] lanes, boolean accumulate) {
        {
            int row0 = wOffset + j * k;
            int row1 = row0 + k;
            int row2 = row1 + k;
            int row3 = row2 + k;
            FloatVector s0 = FloatVector.zero(SPECIES);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (int q = 0; q < vectorEnd; q += LANES) {
                FloatVector xv = FloatVector.fromArray(SPECIES, x, xOffset + q);
                s0 = xv.fma(FloatVector.fromArray(SPECIES, w, row0 + q), s0);
                s1 = xv.fma(FloatVector.fromArray(SPECIES, w, row1 + q), s1);
                s2 = xv.fma(FloatVector.fromArray(SPECIES, w, row2 + q), s2);
                s3 = xv.fma(FloatVector.fromArray(SPECIES, w, row3 + q), s3);
            }
            store(c, cOffset + j, finishDot(s0, lanes, x, xOffset, w, row0, vectorEnd, k), accumulate);
            store(c, cOffset + j + 1, finishDot(s1, lanes, x, xOffset, w, row1, vectorEnd, k), accumulate);
            store(c, cOffset + j + 2, finishDot(s2, lanes, x, xOffset, w, row2, vectorEnd, k), accumulate);
            store(c, cOffset + j + 3, finishDot(s3, lanes, x, xOffset, w, row3, vectorEnd, k), accumulate);
        }
    }

    private static void dotTail(float[] c, int cOffset, float[] x, int xOffset, float[] w, int wOffset, int from, int to,
                                int k, int vectorEnd, float[] lanes, boolean accumulate) {
        for (int j = from; j < to; j++) {
            int row = wOffset + j * k;
            FloatVector s = FloatVector.zero(SPECIES);
            for (int q = 0; q < vectorEnd; q += LANES) {
                s = FloatVector.fromArray(SPECIES, x, xOffset + q).fma(FloatVector.fromArray(SPECIES, w, row + q), s);
            }
            store(c, cOffset + j, finishDot(s, lanes, x, xOffset, w, row, vectorEnd, k), accumulate);
        }
    }

    /**
     * Sums the lanes in a fixed order (not reduceLanes, whose order may differ between the
     * interpreter and compiled code), then the scalar tail.
     */
    private static float finishDot(FloatVector partial, float[] lanes, float[] x, int xOffset, float[] w, int row,
                                   int vectorEnd, int k) {
        partial.intoArray(lanes, 0);
        float sum = 0f;
        for (int l = 0; l < LANES; l++) {
            sum += lanes[l];
        }
        for (int q = vectorEnd; q < k; q++) {
            sum = Math.fma(x[xOffset + q], w[row + q], sum);
        }
        return sum;
    }

    private static void store(float[] c, int at, float value, boolean accumulate) {
        c[at] = accumulate ? c[at] + value : value;
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }

    private static int roundUp(int x, int multiple) {
        return ceilDiv(x, multiple) * multiple;
    }
}
