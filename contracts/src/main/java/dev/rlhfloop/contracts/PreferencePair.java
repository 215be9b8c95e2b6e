package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One training example for the reward model and DPO: a prompt, the answer a rater chose and the one
 * they rejected. Published by the feedback service for A/B votes only; keyed by {@link #comparisonId}.
 *
 * @param history a follow-up's earlier turns, each side's own (null for a first turn, and left out of
 *                the JSON then: single-turn pairs read and write as before)
 */
public record PreferencePair(
        int schemaVersion,
        String comparisonId,
        String prompt,
        Answer chosen,
        Answer rejected,
        VoteRef vote,
        @JsonInclude(JsonInclude.Include.NON_NULL) History history) {

    /** 2 added {@code history} (a follow-up's earlier turns), optional. */
    public static final int SCHEMA_VERSION = 2;

    public PreferencePair {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("PreferencePair")
                .text("comparisonId", comparisonId)
                .present("prompt", prompt)
                .present("chosen", chosen)
                .present("rejected", rejected)
                .present("vote", vote)
                .done();
    }

    /** A first turn's pair (no history). */
    public PreferencePair(int schemaVersion, String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote) {
        this(schemaVersion, comparisonId, prompt, chosen, rejected, vote, null);
    }

    public static PreferencePair of(String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote) {
        return of(comparisonId, prompt, chosen, rejected, vote, null);
    }

    public static PreferencePair of(String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote,
                                    History history) {
        return new PreferencePair(SCHEMA_VERSION, comparisonId, prompt, chosen, rejected, vote, history);
    }

    /**
     * The conversation before {@link #prompt}: each side continued its own answers, so the chosen and
     * the rejected answer each come with the turns their model had in its context (oldest first; the
     * two may differ in length when the context was cut from the oldest turns).
     */
    public record History(List<Turn> chosen, List<Turn> rejected) {
        public History {
            new InvalidEventException.Check("PreferencePair.history")
                    .present("chosen", chosen)
                    .present("rejected", rejected)
                    .done();
            chosen = List.copyOf(chosen);
            rejected = List.copyOf(rejected);
        }
    }

    public String key() {
        return comparisonId;
    }

    /** Where the vote behind a pair sits in the votes topic, so a trainer can say which votes it learned from. */
    public record VoteRef(String voteId, String rater, int partition, long offset, java.time.Instant votedAt) {
        public VoteRef {
            new InvalidEventException.Check("PreferencePair.vote")
                    .text("voteId", voteId)
                    .text("rater", rater)
                    .that(partition >= 0, "partition must be >= 0, was " + partition)
                    .that(offset >= 0, "offset must be >= 0, was " + offset)
                    .present("votedAt", votedAt)
                    .done();
        }
    }
}
