package dev.rlhfloop.contracts;

/**
 * One training example for the reward model and DPO: a prompt, the answer a rater chose and the one
 * they rejected. Published by the feedback service for A/B votes only; keyed by {@link #comparisonId}.
 */
public record PreferencePair(
        int schemaVersion,
        String comparisonId,
        String prompt,
        Answer chosen,
        Answer rejected,
        VoteRef vote) {

    public static final int SCHEMA_VERSION = 1;

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

    public static PreferencePair of(String comparisonId, String prompt, Answer chosen, Answer rejected, VoteRef vote) {
        return new PreferencePair(SCHEMA_VERSION, comparisonId, prompt, chosen, rejected, vote);
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
