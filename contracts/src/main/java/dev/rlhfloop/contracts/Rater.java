package dev.rlhfloop.contracts;

import java.time.Instant;

/**
 * A rater as the directory topic ({@link Topics#RATERS}, compacted) keeps it, keyed by
 * {@link #raterId}: the latest record per rater is its state. An invited rater carries the SHA-256
 * of its invite code (never the code itself); an anonymous one (local mode) has neither name nor
 * invite. A revoked rater keeps its record with {@link #revokedAt} set, so its sessions stay refused.
 * A forgotten rater ({@link #forgottenAt}, schema 2) is revoked too, and every reader of the feedback
 * leaves its votes out from then on: statistics (past votes included), exports and the trainer's pairs.
 *
 * @param name       a person's name as the admin typed it; null for an anonymous rater
 * @param inviteHash hex SHA-256 of the invite code; null for an anonymous rater
 * @param revokedAt  when the admin revoked the rater; null while it may vote
 * @param forgottenAt when the admin had the rater's votes forgotten; null while they count (absent before schema 2)
 */
public record Rater(int schemaVersion, String raterId, String name, String inviteHash, Instant createdAt, Instant revokedAt,
                    Instant forgottenAt) {
    /** 2 added {@code forgottenAt}. */
    public static final int SCHEMA_VERSION = 2;

    public Rater {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("Rater")
                .text("raterId", raterId)
                .present("createdAt", createdAt)
                .done();
    }

    public static Rater anonymous(String raterId, Instant createdAt) {
        return new Rater(SCHEMA_VERSION, raterId, null, null, createdAt, null, null);
    }

    public static Rater invited(String raterId, String name, String inviteHash, Instant createdAt) {
        return new Rater(SCHEMA_VERSION, raterId, name, inviteHash, createdAt, null, null);
    }

    public Rater revoked(Instant at) {
        return new Rater(SCHEMA_VERSION, raterId, name, inviteHash, createdAt, at, forgottenAt);
    }

    /**
     * Revoked (if not already) and forgotten: its votes stop counting everywhere, past ones included, and
     * the name the admin gave it is dropped (the invite's hash stays, so the link stays refused).
     */
    public Rater forgotten(Instant at) {
        return new Rater(SCHEMA_VERSION, raterId, null, inviteHash, createdAt, revokedAt == null ? at : revokedAt, at);
    }

    public boolean isForgotten() {
        return forgottenAt != null;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    public String key() {
        return raterId;
    }
}
