package dev.rlhfloop.llm.model;

/**
 * Keys and values of every position seen so far, per layer, for incremental generation with
 * {@link Gpt#forwardCached}: each new token attends to the cache instead of recomputing the prefix.
 */
public final class KvCache {

    final float[][] keys;
    final float[][] values;
    private final int capacity;
    private int position;

    /** Working memory of the one-sequence step. */
    final DecodeScratch scratch = new DecodeScratch();

    KvCache(GptConfig config) {
        capacity = config.contextLength();
        keys = new float[config.layers()][capacity * config.embedDim()];
        values = new float[config.layers()][capacity * config.embedDim()];
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
