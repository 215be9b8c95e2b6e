package dev.rlhfloop.llm.model;

import java.util.Arrays;

/**
 * Keys and values of every position seen so far, per layer, for incremental generation with
 * {@link Gpt#forwardCached}: each new token attends to the cache instead of recomputing the prefix.
 * The memory grows with the positions used (doubling, at most the context): a whole context is
 * 75 MB per sequence at GPT-2 124M's shape and 201 MB at 355M's, and the batch decoder keeps a cache
 * per concurrent answer, where an answer of the service's defaults uses about a tenth of one.
 */
public final class KvCache {

    /** Positions a new cache holds before it first grows. */
    static final int INITIAL_POSITIONS = 64;

    float[][] keys;
    float[][] values;
    private final int capacity;
    private final int width;
    private int position;

    /** Working memory of the one-sequence step. */
    final DecodeScratch scratch = new DecodeScratch();

    KvCache(GptConfig config) {
        capacity = config.contextLength();
        width = config.embedDim();
        int positions = Math.min(capacity, INITIAL_POSITIONS);
        keys = new float[config.layers()][positions * width];
        values = new float[config.layers()][positions * width];
    }

    /** Positions the cache has memory for now (it grows as tokens come, up to {@link #capacity()}). */
    public int allocatedPositions() {
        return keys[0].length / width;
    }

    /** Makes room for positions {@code [0, positions)}, keeping what the cache holds; at most the context. */
    void reserve(int positions) {
        int allocated = allocatedPositions();
        if (positions <= allocated) return;
        int grown = Math.min(capacity, Math.max(positions, 2 * allocated));
        for (int l = 0; l < keys.length; l++) {
            keys[l] = Arrays.copyOf(keys[l], grown * width);
            values[l] = Arrays.copyOf(values[l], grown * width);
        }
    }

    /** Tokens already in the cache; the next token's position. */
    public int position() {
        return position;
    }

    /** The context length: the most tokens this cache can hold. */
    public int capacity() {
        return capacity;
    }

    /** Forgets everything, to start a new sequence (keeps the memory). */
    public void reset() {
        position = 0;
    }

    void advance(int tokens) {
        position += tokens;
    }
}
