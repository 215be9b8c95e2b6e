package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/** Token plus learned position embedding: {@code out[b,t] = wte[token[b,t]] + wpe[firstPosition + t]}. */
public final class Embedding {

    private Embedding() {}

    public static void forward(float[] out, int[] tokens, float[] wte, float[] wpe,
                               int batchSize, int length, int firstPosition, int channels, int vocabSize) {
        Parallel.forEach(0, batchSize * length, row -> {
            int token = tokens[row];
            if (token < 0 || token >= vocabSize) {
                throw new IllegalArgumentException("token id " + token + " outside the vocabulary [0, " + vocabSize + ")");
            }
            int position = firstPosition + row % length;
            int at = row * channels;
            System.arraycopy(wte, token * channels, out, at, channels);
            VectorMath.add(wpe, position * channels, out, at, channels);
        });
    }

    /** Accumulates into {@code dwte} and {@code dwpe}; sequential, so repeated tokens sum in a fixed order. */
    public static void backward(float[] dwte, float[] dwpe, float[] dout, int[] tokens,
                                int batchSize, int length, int channels) {
        for (int row = 0; row < batchSize * length; row++) {
            int at = row * channels;
            VectorMath.add(dout, at, dwte, tokens[row] * channels, channels);
            VectorMath.add(dout, at, dwpe, (row % length) * channels, channels);
        }
    }
}
