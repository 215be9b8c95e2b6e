package dev.rlhfloop.llm.model;

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
 */
public final class Attention {

    private Attention() {}

    /** Query rows per block: each block's scores live in a {@code BLOCK × T} scratch tile, never T×T. */
    static final int BLOCK = 64;

    /**
     * {@code out[B·T, C]} is the heads' outputs side by side; {@code lse[B, H, T]} receives each
     * row's log-sum-exp. Attention weights are dropped at {@code rate} with mask {@code key}.
     * Each (batch, head) gathers its q, k, v into dense {@code [T, headDim]} tiles so that scores
     * and weighted sums are matrix products on {@link Matmul}.
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
                int b = bh / heads;
                s.gather(qkv, b, bh % heads, length, channels);
                for (int q0 = 0; q0 < length; q0 += BLOCK) {
                    forwardBlock(s, lse, b, bh, q0, length, scale, forks, rate, key);
                }
                s.scatter(s.out, out, b, bh % heads, length, channels, channels, 0);
            }
        });
    }

    // The work of a block and of a row is in methods of its own, called thousands of times a step:
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
    private static void forwardBlock(HeadScratch s, float[] lse, int b, int bh, int q0, int length, float scale, Forks forks,
                                     float rate, long key) {
        int headDim = s.headDim;
        int rows = Math.min(BLOCK, length - q0);
        int keys = q0 + rows;
        s.scores(q0, rows, keys);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            lse[bh * length + t] = softmaxRow(s.probs, i * keys, t, hiddenFrom(forks, b, t), visibleFrom(forks, b, t), keys, scale);
        }
        float[] weights = s.dropped(rows, keys, q0, bh, length, rate, key);
        Matmul.multiplyPacked(s.out, q0 * headDim, weights, 0, false, s.v, 0, false, rows, headDim, keys, false);
    }

    /**
     * Turns one row of raw scores at {@code at} into attention weights over its visible keys (zero
     * elsewhere, up to {@code keys}) and returns their log-sum-exp.
     */
    private static float softmaxRow(float[] probs, int at, int t, int hidden, int visible, int keys, float scale) {
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

    /** Per-thread dense tiles of one (batch, head): q, k, v, outputs and their gradients, plus a block of scores. */
    private static final class HeadScratch {
        /** Each thread keeps its tiles from call to call: made anew they were ~10 MB of garbage per nano step. */
        private static final ThreadLocal<HeadScratch> KEPT = new ThreadLocal<>();

        final int maxLength;
        final int headDim;
        final float[] q, k, v, out, dq, dk, dv, dout, probs, dprobs, dropped;

        /** This thread's tiles for sequences up to {@code length}, grown when they do not fit. */
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
            int tile = length * headDim;
            q = new float[tile];
            k = new float[tile];
            v = new float[tile];
            out = new float[tile];
            dq = new float[tile];
            dk = new float[tile];
            dv = new float[tile];
            dout = new float[tile];
            probs = new float[BLOCK * length];
            dprobs = new float[BLOCK * length];
            dropped = dropout ? new float[BLOCK * length] : null;
        }

        void gather(float[] qkv, int b, int h, int length, int channels) {
            copyHead(qkv, b, h, length, 3 * channels, 0, q);
            copyHead(qkv, b, h, length, 3 * channels, channels, k);
            copyHead(qkv, b, h, length, 3 * channels, 2 * channels, v);
        }

        /** The raw scores q·kᵀ of query rows [q0, q0 + rows) against keys [0, keys), into {@code probs}. */
        void scores(int q0, int rows, int keys) {
            Matmul.multiplyPacked(probs, 0, q, q0 * headDim, false, k, 0, true, rows, keys, headDim, false);
        }

        void copyHead(float[] from, int b, int h, int length, int stride, int column, float[] tile) {
            int base = b * length * stride + column + h * headDim;
            for (int t = 0; t < length; t++) {
                System.arraycopy(from, base + t * stride, tile, t * headDim, headDim);
            }
        }

        void scatter(float[] tile, float[] into, int b, int h, int length, int channels, int stride, int column) {
            int base = b * length * stride + column + h * headDim;
            for (int t = 0; t < length; t++) {
                System.arraycopy(tile, t * headDim, into, base + t * stride, headDim);
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
                int b = bh / heads;
                int h = bh % heads;
                s.gather(qkv, b, h, length, channels);
                s.copyHead(out, b, h, length, channels, 0, s.out);
                s.copyHead(dout, b, h, length, channels, 0, s.dout);
                Arrays.fill(s.dk, 0f);
                Arrays.fill(s.dv, 0f);
                for (int q0 = 0; q0 < length; q0 += BLOCK) {
                    backwardBlock(s, lse, b, bh, q0, length, scale, forks, rate, key);
                }
                s.scatter(s.dq, dqkv, b, h, length, channels, 3 * channels, 0);
                s.scatter(s.dk, dqkv, b, h, length, channels, 3 * channels, channels);
                s.scatter(s.dv, dqkv, b, h, length, channels, 3 * channels, 2 * channels);
            }
        });
    }

    /** Query rows [q0, q0 + BLOCK) of one (batch, head): their dq, and their share of dk and dv. */
    private static void backwardBlock(HeadScratch s, float[] lse, int b, int bh, int q0, int length, float scale, Forks forks,
                                      float rate, long key) {
        int headDim = s.headDim;
        int rows = Math.min(BLOCK, length - q0);
        int keys = q0 + rows;
        s.scores(q0, rows, keys);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            probabilitiesRow(s.probs, i * keys, t, hiddenFrom(forks, b, t), visibleFrom(forks, b, t), keys, scale,
                    lse[bh * length + t]);
        }
        float[] weights = s.dropped(rows, keys, q0, bh, length, rate, key);
        // dV += Wᵀ·dO and dW = dO·Vᵀ, W being the weights after dropout
        Matmul.multiplyPacked(s.dv, 0, weights, 0, true, s.dout, q0 * headDim, false, keys, headDim, rows, true);
        Matmul.multiplyPacked(s.dprobs, 0, s.dout, q0 * headDim, false, s.v, 0, true, rows, keys, headDim, false);
        float keepScale = 1f / (1f - rate);
        for (int i = 0; i < rows; i++) {
            int t = q0 + i;
            int at = i * keys;
            // Σ_j p_j·dp_j = dO·O for this row, also with dropout
            float rowDot = VectorMath.dot(s.dout, t * headDim, s.out, t * headDim, headDim);
            if (rate > 0f) {
                long dropIndex = ((long) bh * length + t) * length;
                for (int j = 0; j <= t; j++) {
                    s.dprobs[at + j] = Dropout.keeps(key, dropIndex + j, rate) ? s.dprobs[at + j] * keepScale : 0f;
                }
            }
            scoreGradientsRow(s.probs, s.dprobs, at, t, hiddenFrom(forks, b, t), visibleFrom(forks, b, t), keys, rowDot, scale);
        }
        // dQ = dS·K, dK += dSᵀ·Q
        Matmul.multiplyPacked(s.dq, q0 * headDim, s.dprobs, 0, false, s.k, 0, false, rows, headDim, keys, false);
        Matmul.multiplyPacked(s.dk, 0, s.dprobs, 0, true, s.q, q0 * headDim, false, keys, headDim, rows, true);
    }

    /** Recomputes one row's attention weights from its raw scores and the forward pass's log-sum-exp. */
    private static void probabilitiesRow(float[] probs, int at, int t, int hidden, int visible, int keys, float scale,
                                         float logSumExp) {
        VectorMath.scale(probs, at, t + 1, scale);
        VectorMath.expShifted(probs, at, hidden, logSumExp);
        VectorMath.expShifted(probs, at + visible, t + 1 - visible, logSumExp);
        Arrays.fill(probs, at + hidden, at + visible, 0f);
        Arrays.fill(probs, at + t + 1, at + keys, 0f);
    }

    /** One row's gradient with respect to its raw scores, in place of the weights' gradient {@code dprobs}. */
    private static void scoreGradientsRow(float[] probs, float[] dprobs, int at, int t, int hidden, int visible, int keys,
                                          float rowDot, float scale) {
        VectorMath.softmaxBackward(probs, dprobs, at, hidden, rowDot, scale);
        VectorMath.softmaxBackward(probs, dprobs, at + visible, t + 1 - visible, rowDot, scale);
        Arrays.fill(dprobs, at + hidden, at + visible, 0f);
        Arrays.fill(dprobs, at + t + 1, at + keys, 0f);
    }
}
