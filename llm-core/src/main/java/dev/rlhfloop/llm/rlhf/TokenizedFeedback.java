package dev.rlhfloop.llm.rlhf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /**
     * KTO's data from preference pairs, as TRL unpairs them: each pair gives its chosen answer a
     * thumbs up and its rejected one a thumbs down, in pair order (up, down, up, down, ...), so a
     * batch holds both kinds and each prompt meets another rating's answer in the reference point.
     */
    public static List<TokenizedFeedback> fromPairs(List<TokenizedPreference> pairs) {
        List<TokenizedFeedback> ratings = new ArrayList<>(2 * pairs.size());
        for (TokenizedPreference pair : pairs) {
            ratings.add(new TokenizedFeedback(pair.prompt(), pair.chosen(), true));
            ratings.add(new TokenizedFeedback(pair.rejectedPrompt(), pair.rejected(), false));
        }
        return ratings;
    }

    /**
     * A rating cut to fit a context as {@link PolicyUpdate#fit} cuts a pair: the answer up to half
     * the context, the end of the prompt (which holds the question) in the rest; an empty answer or
     * prompt, or out-of-vocabulary ids, give null (the model cannot learn from it).
     */
    public static TokenizedFeedback fit(int[] prompt, int[] completion, boolean desirable, int contextLength, int vocabSize) {
        if (prompt.length == 0 || completion.length == 0) return null;
        for (int[] ids : List.of(prompt, completion)) {
            for (int id : ids) if (id < 0 || id >= vocabSize) return null;
        }
        int[] c = Arrays.copyOf(completion, Math.min(completion.length, contextLength / 2));
        int room = contextLength - c.length;
        int[] p = prompt.length > room ? Arrays.copyOfRange(prompt, prompt.length - room, prompt.length) : prompt;
        return new TokenizedFeedback(p, c, desirable);
    }
}
