package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/comparisons/{id}}: a comparison's answers so far. */
public record ComparisonView(@Schema(required = true) String id, @Schema(required = true) String prompt,
        @Schema(required = true) List<Answer> answers) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Answer(
            @Schema(required = true) Slot slot,
            String generationId,
            @Schema(description = "the answer so far") String text,
            @Schema(required = true) boolean done,
            @Schema(description = "why generating this answer failed") String error,
            @Schema(description = "the version that wrote it, shown only once the comparison has a vote") String modelVersion) {}
}
