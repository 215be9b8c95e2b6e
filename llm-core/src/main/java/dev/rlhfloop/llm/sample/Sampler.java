package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.tensor.VectorMath;
import java.util.Arrays;
import java.util.Random;

/** Picks a token from a row of logits under {@link SamplingSettings}; seeded, so repeatable. */
public final class Sampler {

    private final SamplingSettings settings;
    private final Random random;

    public Sampler(SamplingSettings settings) {
        this.settings = settings;
        this.random = new Random(mix(settings.seed()));
    }

    /**
     * SplitMix64's finalizer. {@code java.util.Random}'s first draws for nearby seeds are nearly
     * equal, and callers number their samples seed, seed + 1, ... (RLOO's k answers to a prompt, a
     * fixed evaluation set): unmixed, those answers all started from the same quantile.
     */
    static long mix(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** log softmax(logits)[token]: the token's log-probability at temperature 1. */
    public static double logProbability(float[] logits, int token) {
        float max = VectorMath.max(logits, 0, logits.length);
        double sum = VectorMath.sumExpShifted(logits, 0, logits.length, max);
        return logits[token] - max - Math.log(sum);
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The next token; {@code logits} is left unchanged. */
    public int sample(float[] logits) {
        if (settings.isGreedy()) {
            return argmax(logits);
        }
        int[] order = candidates(logits, settings.topK());
        int keep = order.length;
        double[] probs = new double[keep];
        double max = logits[order[0]] / (double) settings.temperature();
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp(logits[order[i]] / (double) settings.temperature() - max);
            sum += probs[i];
        }
        if (settings.topP() < 1f) {
            double cumulative = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cumulative += probs[i] / sum;
                if (cumulative >= settings.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) {
                sum += probs[i];
            }
        }
        double u = random.nextDouble() * sum;
        for (int i = 0; i < keep; i++) {
            u -= probs[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /**
     * Token ids by descending logit (ties by id): the top k only when k > 0, all of them otherwise.
     * Without top-k or top-p, order does not matter and the ids stay unsorted.
     */
    private int[] candidates(float[] logits, int k) {
        int n = logits.length;
        if (k <= 0 || k >= n) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            if (settings.topP() >= 1f) {
                // Sampling over all tokens: any order works, but the maximum must come first (for the shift).
                int best = argmax(logits);
                all[best] = 0;
                all[0] = best;
                return all;
            }
            return Arrays.stream(all).boxed().sorted((a, b) -> compare(logits, a, b)).mapToInt(Integer::intValue).toArray();
        }
        return best(logits, k);
    }

    /** The k best token ids (0 < k ≤ the vocabulary), by descending logit, ties by id: one pass, keeping a small sorted array. */
    static int[] best(float[] logits, int k) {
        int n = logits.length;
        int[] best = new int[k];
        int size = 0;
        // Most tokens fall below the k-th best so far: one float comparison rejects them.
        float floor = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (logits[i] < floor || size == k && compare(logits, i, best[k - 1]) >= 0) {
                continue;
            }
            int at = size < k ? size++ : k - 1;
            while (at > 0 && compare(logits, i, best[at - 1]) < 0) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = i;
            if (size == k) {
                floor = logits[best[k - 1]];
            }
        }
        return best;
    }

    private static int compare(float[] logits, int a, int b) {
        return logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b);
    }
}
