package dev.rlhfloop.contracts.api;

import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A rater as {@code GET /api/raters} (admin) lists it; {@code invitePath} is present only in the
 * answer to the invite that created it ({@code /?invite=CODE}, to append to the public URL);
 * {@code forgottenAt} once the admin had the rater's votes forgotten. Fields without a value are left out of the JSON.
 */
public record RaterView(@Schema(required = true) String raterId,
                        @Schema(description = "absent for an anonymous or a forgotten rater") String name,
                        @Schema(required = true) boolean invited, @Schema(required = true) Instant createdAt,
                        @Schema(description = "absent while the rater may vote") Instant revokedAt,
                        @Schema(description = "absent while the rater's votes count") Instant forgottenAt,
                        @Schema(description = "only in the answer to the invite that created the rater") String invitePath) {}
