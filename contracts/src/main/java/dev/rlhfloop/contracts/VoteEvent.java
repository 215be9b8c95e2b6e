package dev.rlhfloop.contracts;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * A rater's verdict on one comparison. Keyed by {@link #comparisonId}. The vote id is derived from
 * the comparison and the rater, so a repeated vote carries the same id and counts once.
 *
 * @param reason optional free text
 */
public record VoteEvent(
        int schemaVersion,
        String voteId,
        String comparisonId,
        Choice choice,
        String rater,
        String reason,
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

    public VoteEvent {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("VoteEvent")
                .text("voteId", voteId)
                .text("comparisonId", comparisonId)
                .present("choice", choice)
                .text("rater", rater)
                .present("createdAt", createdAt)
                .done();
    }

    public static VoteEvent of(String comparisonId, Choice choice, String rater, String reason, Instant createdAt) {
        return new VoteEvent(SCHEMA_VERSION, idFor(comparisonId, rater), comparisonId, choice, rater, reason, createdAt);
    }

    /** The same rater on the same comparison always gets the same vote id. */
    public static String idFor(String comparisonId, String rater) {
        byte[] name = (comparisonId + '\u0000' + rater).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(name).toString();
    }

    public String key() {
        return comparisonId;
    }
}
