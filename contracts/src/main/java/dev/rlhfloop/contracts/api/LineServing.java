package dev.rlhfloop.contracts.api;

import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to {@code POST} and {@code DELETE /api/lines/{line}/serve} (admin): whether the line is now
 * served beside the live one, and every line that is.
 */
public record LineServing(
        @Schema(required = true) String line,
        @Schema(required = true, description = "true: every inference instance keeps the line's latest version resident and pits it "
                + "against the live line's latest in line-vs-line comparisons") boolean served,
        @Schema(description = "the version that answers for the line: its pinned one, else its newest; absent when not served",
                nullable = true) String answeringVersion,
        @Schema(required = true, description = "every line served beside the live one now, by name") List<String> servedLines,
        @Schema(required = true, description = "when the admin changed it") Instant updatedAt) {}
