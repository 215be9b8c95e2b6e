package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Forks;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/**
 * Token plus learned position embedding: {@code out[b,t] = wte[token[b,t]] + wpe[firstPosition + t]},
 * or with {@link Forks} {@code wpe[forks.position(b, t)]}.
 */
public final class Embedding {

    private Embedding() {}

    public static void forward(float[] out, int[] tokens, float[] wte, float[] wpe,
                               int batchSize, int length, int firstPosition, int channels, int vocabSize) {
        Parallel.forEach(0, batchSize * length, row ->
                forwardRow(out, row * channels, tokens[row], firstPosition + row % length, wte, wpe, channels, vocabSize));
    }

    /** Each row from position 0, or where {@code forks} (when not null) places its tokens. */
    public static void forward(float[] out, int[] tokens, float[] wte, float[] wpe,
                               int batchSize, int length, Forks forks, int channels, int vocabSize) {
        if (forks == null) {
            forward(out, tokens, wte, wpe, batchSize, length, 0, channels, vocabSize);
            return;
        }
        Parallel.forEach(0, batchSize * length, row ->
                forwardRow(out, row * channels, tokens[row], forks.position(row / length, row % length), wte, wpe, channels, vocabSize));
    }

    /** One row: {@code out[at..at+C) = wte[token] + wpe[position]}. */
    static void forwardRow(float[] out, int at, int token, int position, float[] wte, float[] wpe, int channels, int vocabSize) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + vocabSize + ")");
        }
        System.arraycopy(wte, token * channels, out, at, channels);
        VectorMath.add(wpe, position * channels, out, at, channels);
    }

    /** Accumulates into {@code dwte} and {@code dwpe}; sequential, so repeated tokens sum in a fixed order. */
    public static void backward(float[] dwte, float[] dwpe, float[] dout, int[] tokens,
                                int batchSize, int length, int channels) {
        backward(dwte, dwpe, dout, tokens, batchSize, length, null, channels);
    }

    /** As the forward with {@code forks} placed the tokens. */
    public static void backward(float[] dwte, float[] dwpe, float[] dout, int[] tokens,
                                int batchSize, int length, Forks forks, int channels) {
        for (int row = 0; row < batchSize * length; row++) {
            int at = row * channels;
            int position = forks == null ? row % length : forks.position(row / length, row % length);
            VectorMath.add(dout, at, dwte, tokens[row] * channels, channels);
            VectorMath.add(dout, at, dwpe, position * channels, channels);
        }
    }
}
