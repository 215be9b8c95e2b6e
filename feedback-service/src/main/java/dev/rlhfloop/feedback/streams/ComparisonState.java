package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Slot;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the feedback service knows about one comparison: its two answers (as they arrive) and the
 * votes cast on it, one per rater. Votes that arrive before both answers wait here.
 */
public record ComparisonState(GenerationEvent a, GenerationEvent b, Map<String, CastVote> votesByRater) {
    public static final ComparisonState EMPTY = new ComparisonState(null, null, Map.of());

    public ComparisonState {
        votesByRater = votesByRater == null ? Map.of() : Map.copyOf(votesByRater);
    }

    public boolean complete() {
        return a != null && b != null;
    }

    public boolean hasVoteFrom(String rater) {
        return votesByRater.containsKey(rater);
    }

    /** A repeated answer for a slot already filled (a producer retry) changes nothing. */
    public ComparisonState withAnswer(GenerationEvent answer) {
        if (answer.slot() == Slot.A) return a != null ? this : new ComparisonState(answer, b, votesByRater);
        return b != null ? this : new ComparisonState(a, answer, votesByRater);
    }

    public ComparisonState withVote(CastVote vote) {
        Map<String, CastVote> votes = new LinkedHashMap<>(votesByRater);
        votes.put(vote.vote().rater(), vote);
        return new ComparisonState(a, b, votes);
    }
}
