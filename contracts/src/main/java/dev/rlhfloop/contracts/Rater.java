package dev.rlhfloop.contracts;

import java.time.Instant;

/**
 * A rater as the directory topic ({@link Topics#RATERS}, compacted) keeps it, keyed by
 * {@link #raterId}: the latest record per rater is its state. An invited rater carries the SHA-256
 * of its invite code (never the code itself); an anonymous one (local mode) has neither name nor
 * invite. A revoked rater keeps its record with {@link #revokedAt} set, so its sessions stay refused.
 *
 * @param name       a person's name as the admin typed it; null for an anonymous rater
 * @param inviteHash hex SHA-256 of the invite code; null for an anonymous rater
 * @param revokedAt  when the admin revoked the rater; null while it may vote
 */
public record Rater(int schemaVersion, String raterId, String name, String inviteHash, Instant createdAt, Instant revokedAt) {
    public static final int SCHEMA_VERSION = 1;

    public Rater {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("Rater")
                .text("raterId", raterId)
                .present("createdAt", createdAt)
                .done();
    }

    public static Rater anonymous(String raterId, Instant createdAt) {
        return new Rater(SCHEMA_VERSION, raterId, null, null, createdAt, null);
    }

    public static Rater invited(String raterId, String name, String inviteHash, Instant createdAt) {
        return new Rater(SCHEMA_VERSION, raterId, name, inviteHash, createdAt, null);
    }

    public Rater revoked(Instant at) {
        return new Rater(SCHEMA_VERSION, raterId, name, inviteHash, createdAt, at);
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    public String key() {
        return raterId;
    }
}
