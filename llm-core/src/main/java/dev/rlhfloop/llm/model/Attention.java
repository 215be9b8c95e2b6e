package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.Engine;
import dev.rlhfloop.llm.data.Forks;
import dev.rlhfloop.llm.tensor.Matmul;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

import java.util.Arrays;

/**
 * Causal multi-head self-attention over a fused {@code qkv[B·T, 3C]} (columns q | k | v, each
 * split into heads). Scores exist only for one block of query rows at a time; the forward pass
 * keeps just each row's log-sum-exp, and the backward pass recomputes the probabilities from it
 * (as FlashAttention does), so no T×T tensor is ever stored. With {@link Forks}, a query of a row's
 * second sequence sees the shared keys and its own sequence's, not the first sequence's rest.
 *
 * <p>Each (batch, head) packs its q, k, v (and in the backward pass its output gradient) once into
 * the layouts {@link Matmul#multiplyStrip} reads, straight from the fused rows; every block of
 * queries then multiplies strip by strip, each strip of queries only against the keys it can see
 * (and each strip of keys only against the queries that see it), and writes its results into the
 * output rows in place. Each score and each output is the same in-order FMA chain as a product of
 * the whole block would compute: the keys a query cannot see add zeros.
 */
public final class Attention {

    private Attention() {}

    /** Query rows per block (a whole number of strips): each block's scores live in a {@code BLOCK × T} scratch tile, never T×T. */
    static final int BLOCK = 64 / Matmul.stripRows() * Matmul.stripRows();

    /**
     * {@code out[B·T, C]} is the heads' outputs side by side; {@code lse[B, H, T]} receives each
     * row's log-sum-exp. Attention weights are dropped at {@code rate} with mask {@code key}.
     */
    public static void forward(float[] out, float[] lse, float[] qkv, int batchSize, int length, int channels, int heads,
                               float rate, long key) {
        forward(out, lse, qkv, batchSize, length, channels, heads, null, rate, key);
    }

    /** As the overload without it, each row holding the sequences {@code forks} describes (one when null). */
    public static void forward(float[] out, float[] lse, float[] qkv, int batchSize, int length, int channels, int heads,
                               Forks forks, float rate, long key) {
        int headDim = channels / heads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forChunks(0, batchSize * heads, (from, to) -> {
            HeadScratch s = HeadScratch.of(length, headDim, rate > 0f);
            for (int bh = from; bh < to; bh++) {
                Head head = new Head(bh / heads, bh % heads, length, channels, headDim);
                s.packQueriesAndKeys(qkv, head);
                Matmul.packPanels(qkv, head.at(0, 2 * channels), 3 * channels, false, length, headDim, s.valuePanels, 0);
                for (int q0 = 0; q0 < length; q0 += BLOCK) {
                    forwardBlock(s, head, out, lse, bh, q0, scale, forks, rate, key);
                }
            }
        });
    }

    /**
     * Where one (batch, head)'s rows lie: row t of its q (k, v) at {@code at(t, 0)} ({@code C},
     * {@code 2C}) in the fused {@code qkv}, of its output at {@code outAt(t)}.
     */
    private record Head(int batch, int head, int length, int channels, int headDim) {
        int at(int t, int column) {
            return (batch * length + t) * 3 * channels + column + head * headDim;
        }

        int outAt(int t) {
            return (batch * length + t) * channels + head * headDim;
        }
    }

    // The work of a block and of a row is in methods of their own, called thousands of times a step:
    // C2 compiles each early and on its own. Inlined into the per-head loop, the whole of it made one
    // method so large that C2 compiled it late (the first training steps ran its vectors boxed) and
    // sometimes stopped inlining partway, boxing the rest.

    // A query at t of row b sees keys [0, hidden) and [visible, t]; without forks hidden = visible = t + 1.

    private static int hiddenFrom(Forks forks, int b, int t) {
        return forks == null ? t + 1 : forks.hiddenFrom(b, t);
    }

    private static int visibleFrom(Forks forks, int b, int t) {
        return forks == null ? t + 1 : forks.visibleFrom(b, t);
    }

    /** Query rows [q0, q0 + BLOCK) of one (batch, head): scores, softmax (its log-sum-exp into lse), weighted values. */
    private static void forwardBlock(HeadScratch s, Head head, float[] out, float[] lse, int bh, int q0, float scale,
                                     Forks forks, float rate, long key) {
        int length = head.length();
        int rows = Math.min(BLOCK, length - q0);
        int keys = q0 + rows;
        s.scores(q0, rows, keys);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            lse[bh * length + t] = softmaxRow(s.probs, i * keys, t, hiddenFrom(forks, head.batch(), t),
                    visibleFrom(forks, head.batch(), t), keys, scale);
        }
        float[] weights = s.dropped(rows, keys, q0, bh, length, rate, key);
        int mr = Matmul.stripRows();
        for (int i0 = 0; i0 < rows; i0 += mr) {
            int strip = Math.min(mr, rows - i0);
            int seen = q0 + i0 + strip; // the keys the strip's last query sees at most
            Matmul.packStrips(weights, i0 * keys, keys, strip, seen, s.strip, 0);
            Matmul.multiplyStrip(out, head.outAt(q0 + i0), head.channels(), strip, s.strip, 0, mr, s.valuePanels, 0,
                    Matmul.panelColumns() * length, head.headDim(), 0, seen, false);
        }
    }

    /**
     * Turns one row of raw scores at {@code at} into attention weights over its visible keys (zero
     * elsewhere, up to {@code keys}) and returns their log-sum-exp.
     */
    private static float softmaxRow(float[] probs, int at, int t, int hidden, int visible, int keys, float scale) {
        if (hidden == t + 1 && visible == t + 1) {
            int n = wholeVectors(t + 1, keys);
            Arrays.fill(probs, at + t + 1, at + n, Float.NEGATIVE_INFINITY);
            VectorMath.scale(probs, at, n, scale);
            float max = VectorMath.max(probs, at, n);
            // each −∞ adds exp's floor (e^−86.5) to a sum of at least 1 (the max's term): nothing
            float sum = VectorMath.expShifted(probs, at, n, max);
            VectorMath.scale(probs, at, n, 1f / sum);
            Arrays.fill(probs, at + t + 1, at + keys, 0f);
            return max + (float) Math.log(sum);
        }
        int more = t + 1 - visible;
        VectorMath.scale(probs, at, t + 1, scale);
        float max = Math.max(VectorMath.max(probs, at, hidden), VectorMath.max(probs, at + visible, more));
        float sum = VectorMath.expShifted(probs, at, hidden, max) + VectorMath.expShifted(probs, at + visible, more, max);
        VectorMath.scale(probs, at, hidden, 1f / sum);
        VectorMath.scale(probs, at + visible, more, 1f / sum);
        Arrays.fill(probs, at + hidden, at + visible, 0f);
        Arrays.fill(probs, at + t + 1, at + keys, 0f);
        return max + (float) Math.log(sum);
    }

    /**
     * How far a vector pass over a row's first {@code n} values runs: n rounded up to whole vectors
     * when the row's {@code room} allows (the caller masks the extra values), else n. A row's last
     * values then go through the vector exp too, not one at a time through {@code Math.exp}: those
     * scalar ends took ~15% of a {@code small} step's attention.
     */
    private static int wholeVectors(int n, int room) {
        int lanes = Engine.floatLanes();
        int whole = (n + lanes - 1) / lanes * lanes;
        return whole <= room ? whole : n;
    }

    /**
     * Per-thread packed operands of one (batch, head) and one block's scores. Strips and panels are
     * {@link Matmul#packStrips} / {@link Matmul#packPanels} layouts over all T positions; the block
     * arrays have a strip's rows of slack, since the kernel reads a strip's rows in place past the
     * last one.
     */
    private static final class HeadScratch {
        /** Each thread keeps its arrays from call to call: made anew they were ~10 MB of garbage per nano step. */
        private static final ThreadLocal<HeadScratch> KEPT = new ThreadLocal<>();

        final int maxLength;
        final int headDim;
        /** q as strips and kᵀ as panels (the scores), v as panels over positions (the weighted sum). */
        final float[] queryStrips, keyPanels, valuePanels;
        /** Backward only: dO as strips, vᵀ as panels (dP = dO·Vᵀ); dO, q and k as panels over positions (dV, dK, dQ). */
        final float[] gradientStrips, valueRowPanels, gradientPanels, queryPanels, keyRowPanels;
        final float[] probs, dprobs, dropped, strip;

        /** This thread's arrays for sequences up to {@code length}, grown when they do not fit. */
        static HeadScratch of(int length, int headDim, boolean dropout) {
            HeadScratch kept = KEPT.get();
            if (kept != null && kept.maxLength >= length && kept.headDim == headDim && (!dropout || kept.dropped != null)) {
                return kept;
            }
            HeadScratch made = new HeadScratch(length, headDim, dropout);
            KEPT.set(made);
            return made;
        }

        private HeadScratch(int length, int headDim, boolean dropout) {
            this.maxLength = length;
            this.headDim = headDim;
            int mr = Matmul.stripRows();
            int nr = Matmul.panelColumns();
            int strips = ceilDiv(length, mr) * mr * headDim;
            int positionPanels = ceilDiv(length, nr) * nr * headDim;
            int dimensionPanels = ceilDiv(headDim, nr) * nr * length;
            queryStrips = new float[strips];
            keyPanels = new float[positionPanels];
            valuePanels = new float[dimensionPanels];
            gradientStrips = new float[strips];
            valueRowPanels = new float[positionPanels];
            gradientPanels = new float[dimensionPanels];
            queryPanels = new float[dimensionPanels];
            keyRowPanels = new float[dimensionPanels];
            int block = BLOCK * length + mr;
            probs = new float[block];
            dprobs = new float[block];
            dropped = dropout ? new float[block] : null;
            strip = new float[mr * length];
        }

        private static int ceilDiv(int x, int y) {
            return (x + y - 1) / y;
        }

        /** q as strips and kᵀ as panels: the operands of every block's scores. */
        void packQueriesAndKeys(float[] qkv, Head head) {
            int stride = 3 * head.channels();
            Matmul.packStrips(qkv, head.at(0, 0), stride, head.length(), headDim, queryStrips, 0);
            Matmul.packPanels(qkv, head.at(0, head.channels()), stride, true, headDim, head.length(), keyPanels, 0);
        }

        /**
         * The raw scores q·kᵀ of query rows [q0, q0 + rows) against keys [0, keys), into
         * {@code probs} (rows {@code keys} apart): each strip of queries against the keys up to its
         * last query only; the rest of its row is left as it was.
         */
        void scores(int q0, int rows, int keys) {
            int mr = Matmul.stripRows();
            for (int i0 = 0; i0 < rows; i0 += mr) {
                int strip = Math.min(mr, rows - i0);
                Matmul.multiplyStrip(probs, i0 * keys, keys, strip, queryStrips, (q0 + i0) * headDim, mr, keyPanels, 0,
                        Matmul.panelColumns() * headDim, q0 + i0 + strip, 0, headDim, false);
            }
        }

        /** The block's attention weights after dropout (the probabilities themselves without it). */
        float[] dropped(int rows, int keys, int q0, int bh, int length, float rate, long key) {
            if (rate == 0f) {
                return probs;
            }
            float keepScale = 1f / (1f - rate);
            for (int i = 0; i < rows; i++) {
                long dropIndex = ((long) bh * length + q0 + i) * length;
                for (int j = 0; j < keys; j++) {
                    dropped[i * keys + j] = Dropout.keeps(key, dropIndex + j, rate) ? probs[i * keys + j] * keepScale : 0f;
                }
            }
            return dropped;
        }
    }

    /**
     * Where one layer's heads lie in the cache: rows of {@code channels} floats, each head a
     * {@code headDim} slice of them, scores scaled by {@code scale} (1/√headDim).
     */
    record CachedHeads(int channels, int headDim, float scale) {}

    /**
     * Head {@code head} of new token {@code row} (its q in the fused {@code qkv[n, 3C]}) attends to
     * the first {@code count} cached keys and values: keys channel-major ({@code [C, allocated]},
     * {@link KvCache}), values position-major ({@code [·, C]}); the weighted sum of values goes to
     * that head's slice of row {@code row} of {@code out[n, C]}. {@code scores} holds at least
     * {@code count} floats. Inference only, so there is no dropout. Each score is one in-order FMA
     * chain over the head's dimensions and each output one chain over the positions, whatever the
     * rows beside it: a sequence decodes to the same bits alone or in a batch.
     */
    static void attendCached(CachedHeads shape, float[] qkv, int row, int head, float[] keys, int allocated, float[] values,
                             int count, float[] scores, float[] out) {
        int c = shape.channels();
        int headDim = shape.headDim();
        int column = head * headDim;
        int qAt = row * 3 * c + column;
        VectorMath.weightedRows(scores, 0, qkv, qAt, keys, column * allocated, allocated, headDim, count);
        VectorMath.scale(scores, 0, count, shape.scale());
        float max = VectorMath.max(scores, 0, count);
        float norm = 1f / VectorMath.expShifted(scores, 0, count, max);
        VectorMath.scale(scores, 0, count, norm);
        VectorMath.weightedRows(out, row * c + column, scores, 0, values, column, c, count, headDim);
    }

    /** Writes {@code dqkv} from {@code dout}, recomputing the attention weights block by block from {@code lse}. */
    public static void backward(float[] dqkv, float[] dout, float[] qkv, float[] out, float[] lse,
                                int batchSize, int length, int channels, int heads, float rate, long key) {
        backward(dqkv, dout, qkv, out, lse, batchSize, length, channels, heads, null, rate, key);
    }

    /** As the overload without it, for a forward with {@code forks}. */
    public static void backward(float[] dqkv, float[] dout, float[] qkv, float[] out, float[] lse,
                                int batchSize, int length, int channels, int heads, Forks forks, float rate, long key) {
        int headDim = channels / heads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forChunks(0, batchSize * heads, (from, to) -> {
            HeadScratch s = HeadScratch.of(length, headDim, rate > 0f);
            for (int bh = from; bh < to; bh++) {
                Head head = new Head(bh / heads, bh % heads, length, channels, headDim);
                int stride = 3 * channels;
                s.packQueriesAndKeys(qkv, head);
                Matmul.packStrips(dout, head.outAt(0), channels, length, headDim, s.gradientStrips, 0);
                Matmul.packPanels(qkv, head.at(0, 2 * channels), stride, true, headDim, length, s.valueRowPanels, 0);
                Matmul.packPanels(dout, head.outAt(0), channels, false, length, headDim, s.gradientPanels, 0);
                Matmul.packPanels(qkv, head.at(0, 0), stride, false, length, headDim, s.queryPanels, 0);
                Matmul.packPanels(qkv, head.at(0, channels), stride, false, length, headDim, s.keyRowPanels, 0);
                for (int t = 0; t < length; t++) {
                    // dK and dV accumulate over the blocks, in place in dqkv
                    Arrays.fill(dqkv, head.at(t, channels), head.at(t, channels) + headDim, 0f);
                    Arrays.fill(dqkv, head.at(t, 2 * channels), head.at(t, 2 * channels) + headDim, 0f);
                }
                for (int q0 = 0; q0 < length; q0 += BLOCK) {
                    backwardBlock(s, head, dqkv, dout, out, lse, bh, q0, scale, forks, rate, key);
                }
            }
        });
    }

    /** Query rows [q0, q0 + BLOCK) of one (batch, head): their dq, and their share of dk and dv. */
    private static void backwardBlock(HeadScratch s, Head head, float[] dqkv, float[] dout, float[] out, float[] lse, int bh,
                                      int q0, float scale, Forks forks, float rate, long key) {
        int length = head.length();
        int headDim = head.headDim();
        int channels = head.channels();
        int b = head.batch();
        int rows = Math.min(BLOCK, length - q0);
        int keys = q0 + rows;
        int mr = Matmul.stripRows();
        int nr = Matmul.panelColumns();
        s.scores(q0, rows, keys);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            probabilitiesRow(s.probs, i * keys, t, hiddenFrom(forks, b, t), visibleFrom(forks, b, t), keys, scale,
                    lse[bh * length + t]);
        }
        float[] weights = s.dropped(rows, keys, q0, bh, length, rate, key);
        // dV += Wᵀ·dO, strip by strip of keys, each over the block's queries that see it (W, [rows × keys],
        // read in place as the transposed a); then dP = dO·Vᵀ, strip by strip of queries
        accumulateOverQueries(dqkv, head.at(0, 2 * channels), 3 * channels, weights, keys, rows, q0, s.gradientPanels,
                length, headDim);
        for (int i0 = 0; i0 < rows; i0 += mr) {
            int strip = Math.min(mr, rows - i0);
            Matmul.multiplyStrip(s.dprobs, i0 * keys, keys, strip, s.gradientStrips, (q0 + i0) * headDim, mr, s.valueRowPanels,
                    0, nr * headDim, q0 + i0 + strip, 0, headDim, false);
        }
        float keepScale = 1f / (1f - rate);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            int at = i * keys;
            // Σ_j p_j·dp_j = dO·O for this row, also with dropout
            float rowDot = VectorMath.dot(dout, head.outAt(t), out, head.outAt(t), headDim);
            if (rate > 0f) {
                long dropIndex = ((long) bh * length + t) * length;
                for (int j = 0; j <= t; j++) {
                    s.dprobs[at + j] = Dropout.keeps(key, dropIndex + j, rate) ? s.dprobs[at + j] * keepScale : 0f;
                }
            }
            scoreGradientsRow(s.probs, s.dprobs, at, t, hiddenFrom(forks, b, t), visibleFrom(forks, b, t), keys, rowDot, scale);
        }
        // dK += dSᵀ·Q, as dV
        accumulateOverQueries(dqkv, head.at(0, channels), 3 * channels, s.dprobs, keys, rows, q0, s.queryPanels, length,
                headDim);
        // dQ = dS·K: dS's strips packed, each against the keys its last query sees
        for (int i0 = 0; i0 < rows; i0 += mr) {
            int strip = Math.min(mr, rows - i0);
            int seen = q0 + i0 + strip;
            Matmul.packStrips(s.dprobs, i0 * keys, keys, strip, seen, s.strip, 0);
            Matmul.multiplyStrip(dqkv, head.at(q0 + i0, 0), 3 * channels, strip, s.strip, 0, mr, s.keyRowPanels, 0,
                    nr * length, headDim, 0, seen, false);
        }
    }

    /**
     * {@code c[keys × headDim] += mᵀ·x}: m is a block's [rows × keys] (weights or score gradients),
     * read in place as the transposed a; x the block's rows of a position-major operand packed as
     * panels over all positions, from row q0. A strip of keys from j0 takes only the queries at or
     * after j0 (the earlier ones do not see it: their entries are zero).
     */
    private static void accumulateOverQueries(float[] c, int cAt, int ldc, float[] m, int keys, int rows, int q0, float[] panels,
                                              int length, int headDim) {
        int mr = Matmul.stripRows();
        for (int j0 = 0; j0 < keys; j0 += mr) {
            int strip = Math.min(mr, keys - j0);
            Matmul.multiplyStrip(c, cAt + j0 * ldc, ldc, strip, m, j0, keys, panels, q0 * Matmul.panelColumns(),
                    Matmul.panelColumns() * length, headDim, Math.max(0, j0 - q0), rows, true);
        }
    }

    /** Recomputes one row's attention weights from its raw scores and the forward pass's log-sum-exp. */
    private static void probabilitiesRow(float[] probs, int at, int t, int hidden, int visible, int keys, float scale,
                                         float logSumExp) {
        if (hidden == t + 1 && visible == t + 1) {
            int n = wholeVectors(t + 1, keys);
            Arrays.fill(probs, at + t + 1, at + n, Float.NEGATIVE_INFINITY);
            VectorMath.scale(probs, at, n, scale);
            VectorMath.expShifted(probs, at, n, logSumExp);
            Arrays.fill(probs, at + t + 1, at + keys, 0f);
            return;
        }
        VectorMath.scale(probs, at, t + 1, scale);
        VectorMath.expShifted(probs, at, hidden, logSumExp);
        VectorMath.expShifted(probs, at + visible, t + 1 - visible, logSumExp);
        Arrays.fill(probs, at + hidden, at + visible, 0f);
        Arrays.fill(probs, at + t + 1, at + keys, 0f);
    }

    /** One row's gradient with respect to its raw scores, in place of the weights' gradient {@code dprobs}. */
    private static void scoreGradientsRow(float[] probs, float[] dprobs, int at, int t, int hidden, int visible, int keys,
                                          float rowDot, float scale) {
        if (hidden == t + 1 && visible == t + 1) {
            // past t the probabilities are zeros, and so are the products with them
            VectorMath.softmaxBackward(probs, dprobs, at, wholeVectors(t + 1, keys), rowDot, scale);
            Arrays.fill(dprobs, at + t + 1, at + keys, 0f);
            return;
        }
        VectorMath.softmaxBackward(probs, dprobs, at, hidden, rowDot, scale);
        VectorMath.softmaxBackward(probs, dprobs, at + visible, t + 1 - visible, rowDot, scale);
        Arrays.fill(dprobs, at + hidden, at + visible, 0f);
        Arrays.fill(dprobs, at + t + 1, at + keys, 0f);
    }
}
