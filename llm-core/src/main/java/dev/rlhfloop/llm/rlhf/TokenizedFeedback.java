package dev.rlhfloop.llm.rlhf;

/**
 * One rating of a single answer as token ids, KTO's unit of data: a prompt, the answer (the ids
 * after the prompt, ending with end-of-text if the model should learn to stop) and whether the
 * rater liked it (thumbs up) or not.
 */
public record TokenizedFeedback(int[] prompt, int[] completion, boolean desirable) {

    public TokenizedFeedback {
        if (prompt.length == 0 || completion.length == 0) {
            throw new IllegalArgumentException("a rated answer needs a non-empty prompt and answer");
        }
    }
}
