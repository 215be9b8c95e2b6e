package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.Parallel;

/**
 * Inverted dropout whose mask is a pure function of (key, index): nothing is stored, the
 * backward pass recomputes the same mask, and a seed gives the same masks on any thread count.
 */
public final class Dropout {

    private static final int CHUNK = 4096;

    private Dropout() {}

    /** A key for one dropout site in one forward pass. */
    public static long key(long seed, long pass, int site) {
        return mix(mix(seed ^ 0x9E3779B97F4A7C15L * (pass + 1)) + site);
    }

    /** True if element {@code index} survives at drop probability {@code rate}. */
    public static boolean keeps(long key, long index, float rate) {
        long bits = mix(key + index * 0xBF58476D1CE4E5B9L) >>> 40; // 24 uniform bits
        return bits >= (long) (rate * (1 << 24));
    }

    /** Zeroes dropped elements and scales survivors by 1/(1−rate), in place; the same call is its own backward. */
    public static void apply(float[] x, int n, float rate, long key) {
        if (rate == 0f) {
            return;
        }
        float scale = 1f / (1f - rate);
        Parallel.forEach(0, (n + CHUNK - 1) / CHUNK, chunk -> {
            int from = chunk * CHUNK;
            int to = Math.min(n, from + CHUNK);
            for (int i = from; i < to; i++) {
                x[i] = keeps(key, i, rate) ? x[i] * scale : 0f;
            }
        });
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
