package dev.rlhfloop.contracts.api;

import dev.rlhfloop.contracts.Slot;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer to {@code POST /api/comparisons} (201): the comparison, its two answers generated in the background. */
public record ComparisonCreated(@Schema(required = true) String id, @Schema(required = true) String prompt,
        @Schema(required = true) List<Answer> answers) {
    public record Answer(@Schema(required = true) Slot slot, @Schema(required = true) String generationId) {}
}
