package dev.rlhfloop.feedback.streams;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.ThumbsEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the feedback service knows about one comparison: its two answers (as they arrive), the
 * votes cast on it, one per rater, and the thumbs on each answer, one per rater and slot (up or
 * down, keyed {@code "A:rater"}). Votes that arrive before both answers wait here.
 */
public record ComparisonState(GenerationEvent a, GenerationEvent b, Map<String, CastVote> votesByRater,
                              @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Boolean> thumbs) {
    public static final ComparisonState EMPTY = new ComparisonState(null, null, Map.of());

    public ComparisonState {
        votesByRater = votesByRater == null ? Map.of() : Map.copyOf(votesByRater);
        thumbs = thumbs == null ? Map.of() : Map.copyOf(thumbs);
    }

    public ComparisonState(GenerationEvent a, GenerationEvent b, Map<String, CastVote> votesByRater) {
        this(a, b, votesByRater, Map.of());
    }

    public boolean complete() {
        return a != null && b != null;
    }

    public boolean hasVoteFrom(String rater) {
        return votesByRater.containsKey(rater);
    }

    /** The answer in {@code slot}, once it has arrived. */
    public Optional<GenerationEvent> answer(Slot slot) {
        return Optional.ofNullable(slot == Slot.A ? a : b);
    }

    /** The thumbs {@code rater} gave the answer in {@code slot} (true for up), if any. */
    public Optional<Boolean> thumbsFrom(String rater, Slot slot) {
        return Optional.ofNullable(thumbs.get(thumbsKey(slot, rater)));
    }

    /** A repeated answer for a slot already filled (a producer retry) changes nothing. */
    public ComparisonState withAnswer(GenerationEvent answer) {
        if (answer.slot() == Slot.A) return a != null ? this : new ComparisonState(answer, b, votesByRater, thumbs);
        return b != null ? this : new ComparisonState(a, answer, votesByRater, thumbs);
    }

    public ComparisonState withVote(CastVote vote) {
        Map<String, CastVote> votes = new LinkedHashMap<>(votesByRater);
        votes.put(vote.vote().rater(), vote);
        return new ComparisonState(a, b, votes, thumbs);
    }

    /** The first thumbs of a rater on an answer counts: a repeat changes nothing. */
    public ComparisonState withThumbs(ThumbsEvent event) {
        String key = thumbsKey(event.slot(), event.rater());
        if (thumbs.containsKey(key)) return this;
        Map<String, Boolean> more = new LinkedHashMap<>(thumbs);
        more.put(key, event.up());
        return new ComparisonState(a, b, votesByRater, more);
    }

    private static String thumbsKey(Slot slot, String rater) {
        return slot + ":" + rater;
    }
}
