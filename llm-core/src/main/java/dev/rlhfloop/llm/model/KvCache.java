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

    /**
     * Per layer, channel-major: channel ch of position t at {@code ch · allocatedPositions() + t}, so
     * a query's scores over the cached keys are vector FMAs along the positions, one head dimension
     * at a time, instead of a lane sum per key (a lane sum per key was a fifth of a 64-answer
     * decoding step of {@code nano}).
     */
    float[][] keys;
    /** Per layer, position-major: position t's channels at {@code t · width}. */
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
        return values[0].length / width;
    }

    /** Makes room for positions {@code [0, positions)}, keeping what the cache holds; at most the context. */
    void reserve(int positions) {
        int allocated = allocatedPositions();
        if (positions <= allocated) return;
        int grown = Math.min(capacity, Math.max(positions, 2 * allocated));
        for (int l = 0; l < keys.length; l++) {
            float[] wider = new float[grown * width];
            copyKeys(keys[l], allocated, wider, grown, allocated);
            keys[l] = wider;
            values[l] = Arrays.copyOf(values[l], grown * width);
        }
    }

    /** Stores position {@code t}'s key and value of {@code layer}, each {@code width} floats of {@code from} at keyAt and valueAt. */
    void put(int layer, int t, float[] from, int keyAt, int valueAt) {
        float[] layerKeys = keys[layer];
        int allocated = allocatedPositions();
        for (int channel = 0; channel < width; channel++) {
            layerKeys[channel * allocated + t] = from[keyAt + channel];
        }
        System.arraycopy(from, valueAt, values[layer], t * width, width);
    }

    /**
     * Forgets everything, then holds {@code from}'s first {@code positions} keys and values: what
     * feeding the same tokens would store, since a position's keys and values depend only on the
     * tokens up to it. Answers to one prompt share its prefill this way.
     */
    public void copyPrefix(KvCache from, int positions) {
        if (from.width != width || from.keys.length != keys.length || from.capacity != capacity) {
            throw new IllegalArgumentException("the caches belong to models of different shapes");
        }
        if (positions < 0 || positions > from.position) {
            throw new IllegalArgumentException("the cache holds " + from.position + " positions, not " + positions);
        }
        position = 0;
        reserve(positions);
        for (int l = 0; l < keys.length; l++) {
            copyKeys(from.keys[l], from.allocatedPositions(), keys[l], allocatedPositions(), positions);
            System.arraycopy(from.values[l], 0, values[l], 0, positions * width);
        }
        position = positions;
    }

    /** Copies the first {@code positions} of every channel of one layer's keys between caches of {@code fromAllocated} and {@code toAllocated} positions. */
    private void copyKeys(float[] from, int fromAllocated, float[] to, int toAllocated, int positions) {
        for (int channel = 0; channel < width; channel++) {
            System.arraycopy(from, channel * fromAllocated, to, channel * toAllocated, positions);
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
