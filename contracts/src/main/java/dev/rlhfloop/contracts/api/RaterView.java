package dev.rlhfloop.contracts.api;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A rater as {@code GET /api/raters} (admin) lists it; {@code invitePath} is present only in the
 * answer to the invite that created it ({@code /?invite=CODE}, to append to the public URL);
 * {@code forgottenAt} once the admin had the rater's votes forgotten.
 */
public record RaterView(@Schema(required = true) String raterId,
                        @Schema(required = true, nullable = true, description = "null for an anonymous or a forgotten rater") String name,
                        @Schema(required = true) boolean invited, @Schema(required = true) Instant createdAt,
                        @Schema(required = true, nullable = true) Instant revokedAt, @Schema(required = true, nullable = true) Instant forgottenAt,
                        @Schema(required = true, nullable = true) String invitePath) {}
