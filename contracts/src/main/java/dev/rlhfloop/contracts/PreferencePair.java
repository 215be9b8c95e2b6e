package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One training example for the reward model and DPO: a prompt, the answer a rater chose and the one
 * they rejected. Published by the feedback service (the topic's one writer) for A/B votes, with the
 * {@link #vote} behind it, and for pairs an admin imported from a file, with their {@link #source}
 * instead (schema 3); keyed by {@link #comparisonId} (an imported pair's is {@code import:<import id>:<line>}).
 *
 * @param history a follow-up's earlier turns, each side's own (null for a first turn, and left out of
 *                the JSON then: single-turn pairs read and write as before)
 * @param source  where an imported pair came from (null for a vote's pair, and left out of the JSON then)
 */
public record PreferencePair(
        int schemaVersion,
        String comparisonId,
        String prompt,
        Answer chosen,
        Answer rejected,
        VoteRef vote,
        @JsonInclude(JsonInclude.Include.NON_NULL) History history,
        @JsonInclude(JsonInclude.Include.NON_NULL) Source source) {

    /** 2 added {@code history} (a follow-up's earlier turns); 3 added {@code source} (an imported pair has it instead of a vote); both optional. */
    public static final int SCHEMA_VERSION = 3;

    public PreferencePair {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("PreferencePair")
                .text("comparisonId", comparisonId)
                .present("prompt", prompt)
                .present("chosen", chosen)
                .present("rejected", rejected)
                .that(vote != null || source != null, "vote is missing (or, for an imported pair, source)")
                .done();
    }

    /** A first turn's pair of a vote (no history). */
    public PreferencePair(int schemaVersion, String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote) {
        this(schemaVersion, comparisonId, prompt, chosen, rejected, vote, null, null);
    }

    /** A vote's pair. */
    public PreferencePair(int schemaVersion, String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote,
                          History history) {
        this(schemaVersion, comparisonId, prompt, chosen, rejected, vote, history, null);
    }

    public static PreferencePair of(String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote) {
        return of(comparisonId, prompt, chosen, rejected, vote, null);
    }

    public static PreferencePair of(String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote,
                                    History history) {
        return new PreferencePair(SCHEMA_VERSION, comparisonId, prompt, chosen, rejected, vote, history, null);
    }

    /** A pair read from a file an admin imported. */
    public static PreferencePair imported(String prompt, Answer chosen, Answer rejected, Source source) {
        return new PreferencePair(SCHEMA_VERSION, "import:" + source.importId() + ":" + source.line(), prompt, chosen, rejected, null,
                null, source);
    }

    /** When the pair entered the log: its vote's time, or its import's. */
    public java.time.Instant at() {
        return vote != null ? vote.votedAt() : source.importedAt();
    }

    /** The rater whose vote made the pair; null for an imported pair. */
    public String rater() {
        return vote != null ? vote.rater() : null;
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

    /**
     * Where an imported pair came from: the import (one admin request), the file's name as the admin
     * gave it, and the entry's line in that file.
     */
    public record Source(String importId, String name, int line, java.time.Instant importedAt) {
        public Source {
            new InvalidEventException.Check("PreferencePair.source")
                    .text("importId", importId)
                    .that(line >= 1, "line must be >= 1, was " + line)
                    .present("importedAt", importedAt)
                    .done();
        }
    }
}
