package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.PreferenceData;

import java.util.Arrays;

/**
 * One human (or simulated) preference as token ids: a prompt, the answer that was preferred and
 * the one that was not. Answers are the ids after the prompt, ending with end-of-text if the
 * model should learn to stop. {@code weight} is the pair's share in the losses (its rater's
 * reliability; 1 = an ordinary pair): the reward model's and DPO's losses are weighted means.
 * {@code rejectedPrompt} is what the rejected answer followed when it differs from {@code prompt}:
 * a follow-up's two sides each continued their own conversation (it is {@code prompt} otherwise).
 */
public record TokenizedPreference(int[] prompt, int[] chosen, int[] rejected, double weight, int[] rejectedPrompt) {

    /** A pair of weight 1. */
    public TokenizedPreference(int[] prompt, int[] chosen, int[] rejected) {
        this(prompt, chosen, rejected, 1.0, null);
    }

    /** A pair on one prompt. */
    public TokenizedPreference(int[] prompt, int[] chosen, int[] rejected, double weight) {
        this(prompt, chosen, rejected, weight, null);
    }

    public TokenizedPreference {
        rejectedPrompt = rejectedPrompt == null ? prompt : rejectedPrompt;
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("a pair's weight must be finite and >= 0, was " + weight);
        }
        if (prompt.length + chosen.length == 0 || rejectedPrompt.length + rejected.length == 0) {
            throw new IllegalArgumentException("a preference pair needs at least one token in each sequence");
        }
        if (chosen.length == 0 || rejected.length == 0) {
            throw new IllegalArgumentException("a preference pair needs a non-empty chosen and rejected answer");
        }
    }

    /** The same pair with another weight. */
    public TokenizedPreference withWeight(double weight) {
        return new TokenizedPreference(prompt, chosen, rejected, weight, rejectedPrompt);
    }

    /** A pair as the preference loader encodes it, each answer followed by end-of-text (so DPO also learns where to stop). */
    public static TokenizedPreference from(PreferenceData.Encoded encoded, int endOfTextId) {
        return new TokenizedPreference(encoded.prompt(), withEnd(encoded.chosen(), endOfTextId), withEnd(encoded.rejected(), endOfTextId));
    }

    private static int[] withEnd(int[] answer, int endOfTextId) {
        int[] ids = Arrays.copyOf(answer, answer.length + 1);
        ids[answer.length] = endOfTextId;
        return ids;
    }
}
