package dev.rlhfloop.contracts.api;

import java.time.Instant;

/**
 * A rater as {@code GET /api/raters} (admin) lists it; {@code invitePath} is present only in the
 * answer to the invite that created it ({@code /?invite=CODE}, to append to the public URL);
 * {@code forgottenAt} once the admin had the rater's votes forgotten.
 */
public record RaterView(String raterId, String name, boolean invited, Instant createdAt, Instant revokedAt, Instant forgottenAt,
                        String invitePath) {}
