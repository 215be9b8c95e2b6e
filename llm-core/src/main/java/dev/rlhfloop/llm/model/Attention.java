package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

import java.util.Arrays;

/**
 * Causal multi-head self-attention over a fused {@code qkv[B·T, 3C]} (columns q | k | v, each
 * split into heads). Each query row's scores live only in a T-long scratch row; the forward pass
 * keeps just the row's log-sum-exp, and the backward pass recomputes the probabilities from it
 * (as FlashAttention does), so no T×T tensor is ever stored.
 */
public final class Attention {

    private Attention() {}

    /**
     * {@code out[B·T, C]} is the heads' outputs side by side; {@code lse[B, H, T]} receives each
     * row's log-sum-exp. Attention weights are dropped at {@code rate} with mask {@code key}.
     */
    public static void forward(float[] out, float[] lse, float[] qkv, int batchSize, int length, int channels, int heads,
                               float rate, long key) {
        int headDim = channels / heads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int stride = 3 * channels;
        Parallel.forChunks(0, batchSize * heads, (from, to) -> {
            float[] scores = new float[length];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                int base = b * length * stride + h * headDim;
                for (int t = 0; t < length; t++) {
                    lse[bh * length + t] = attendRow(qkv, base + t * stride, qkv, base + channels, qkv, base + 2 * channels,
                            stride, t + 1, headDim, scale, scores, out, (b * length + t) * channels + h * headDim,
                            rate, key, ((long) bh * length + t) * length);
                }
            }
        });
    }

    /**
     * One query row against {@code count} keys and values (rows {@code stride} apart): writes the
     * weighted sum of values to {@code out} and returns log Σ exp(score).
     */
    static float attendRow(float[] q, int qAt, float[] keys, int kAt, float[] values, int vAt, int stride, int count,
                           int headDim, float scale, float[] scores, float[] out, int outAt,
                           float rate, long key, long dropIndex) {
        for (int j = 0; j < count; j++) {
            scores[j] = VectorMath.dot(q, qAt, keys, kAt + j * stride, headDim) * scale;
        }
        float max = VectorMath.max(scores, 0, count);
        float sum = VectorMath.expShifted(scores, 0, count, max);
        float norm = 1f / sum;
        float keepScale = norm / (1f - rate);
        Arrays.fill(out, outAt, outAt + headDim, 0f);
        for (int j = 0; j < count; j++) {
            float p = rate == 0f ? scores[j] * norm
                    : Dropout.keeps(key, dropIndex + j, rate) ? scores[j] * keepScale : 0f;
            if (p != 0f) {
                VectorMath.axpy(p, values, vAt + j * stride, out, outAt, headDim);
            }
        }
        return max + (float) Math.log(sum);
    }

    /** Writes {@code dqkv} from {@code dout}, recomputing the attention weights from {@code lse}. */
    public static void backward(float[] dqkv, float[] dout, float[] qkv, float[] out, float[] lse,
                                int batchSize, int length, int channels, int heads, float rate, long key) {
        int headDim = channels / heads;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int stride = 3 * channels;
        float keepScale = 1f / (1f - rate);
        Parallel.forChunks(0, batchSize * heads, (from, to) -> {
            float[] probs = new float[length];
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                int h = bh % heads;
                int base = b * length * stride + h * headDim;
                for (int t = 0; t < length; t++) {
                    Arrays.fill(dqkv, base + t * stride, base + t * stride + headDim, 0f);
                    Arrays.fill(dqkv, base + t * stride + channels, base + t * stride + channels + headDim, 0f);
                    Arrays.fill(dqkv, base + t * stride + 2 * channels, base + t * stride + 2 * channels + headDim, 0f);
                }
                for (int t = 0; t < length; t++) {
                    int qAt = base + t * stride;
                    int outAt = (b * length + t) * channels + h * headDim;
                    float rowDot = VectorMath.dot(dout, outAt, out, outAt, headDim);
                    for (int j = 0; j <= t; j++) {
                        probs[j] = VectorMath.dot(qkv, qAt, qkv, base + j * stride + channels, headDim) * scale;
                    }
                    VectorMath.expShifted(probs, 0, t + 1, lse[bh * length + t]);
                    long dropIndex = ((long) bh * length + t) * length;
                    for (int j = 0; j <= t; j++) {
                        int kAt = base + j * stride + channels;
                        int vAt = kAt + channels;
                        float p = probs[j];
                        float keep = rate == 0f ? 1f : Dropout.keeps(key, dropIndex + j, rate) ? keepScale : 0f;
                        float dp = keep == 0f ? 0f : keep * VectorMath.dot(dout, outAt, qkv, vAt, headDim);
                        if (keep != 0f) {
                            VectorMath.axpy(p * keep, dout, outAt, dqkv, vAt, headDim);
                        }
                        float dscore = p * (dp - rowDot) * scale;
                        VectorMath.axpy(dscore, qkv, kAt, dqkv, qAt, headDim);
                        VectorMath.axpy(dscore, qkv, qAt, dqkv, kAt, headDim);
                    }
                }
            }
        });
    }
}
