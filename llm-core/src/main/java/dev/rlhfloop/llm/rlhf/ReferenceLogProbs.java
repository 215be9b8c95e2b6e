package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DPO's reference log-probabilities of pairs' answers, log π_ref(chosen | prompt) and
 * log π_ref(rejected | prompt), kept until an update has read them. The reference model never
 * changes, so they need not wait for the batch: the live trainer computes each pair's as the pair
 * arrives, off the clock from the vote that completes a batch to its version. Each pair is computed
 * alone, so its numbers never depend on which pairs arrived with it: a replay reading the same log
 * in other polls trains the same weights.
 */
public final class ReferenceLogProbs {

    /** A bound on what is kept for pairs no update reads (their batch was dropped): past it, all is let go and computed again when asked. */
    static final int MAX_KEPT = 100_000;

    private final Map<Key, double[]> kept = new HashMap<>();
    private Gpt reference;

    /** log π_ref of {@code pair}'s chosen and rejected answer: kept, or computed now and kept. */
    public synchronized double[] of(Gpt reference, TokenizedPreference pair, int padId, int maxLength) {
        if (this.reference != reference) {
            kept.clear();
            this.reference = reference;
        }
        if (kept.size() >= MAX_KEPT) kept.clear();
        return kept.computeIfAbsent(new Key(pair, maxLength),
                key -> Dpo.referenceLogProbs(reference, PairBatch.collate(List.of(pair), padId, maxLength))).clone();
    }

    /** Lets go of the pairs' numbers (an update has read them). */
    public synchronized void forget(Collection<TokenizedPreference> pairs, int maxLength) {
        for (TokenizedPreference pair : pairs) kept.remove(new Key(pair, maxLength));
    }

    /** How many pairs' numbers are kept. */
    public synchronized int size() {
        return kept.size();
    }

    /** A pair by its tokens (not its weight, which the reference does not read) and how far it is cut. */
    private record Key(int[] prompt, int[] chosen, int[] rejectedPrompt, int[] rejected, int maxLength) {
        Key(TokenizedPreference pair, int maxLength) {
            this(pair.prompt(), pair.chosen(), pair.rejectedPrompt(), pair.rejected(), maxLength);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && maxLength == k.maxLength && Arrays.equals(prompt, k.prompt) && Arrays.equals(chosen, k.chosen)
                    && Arrays.equals(rejectedPrompt, k.rejectedPrompt) && Arrays.equals(rejected, k.rejected);
        }

        @Override
        public int hashCode() {
            return ((Arrays.hashCode(prompt) * 31 + Arrays.hashCode(chosen)) * 31 + Arrays.hashCode(rejectedPrompt)) * 31
                    + Arrays.hashCode(rejected) + maxLength;
        }
    }
}
