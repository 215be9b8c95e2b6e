package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/comparisons/{id}}: a comparison's answers so far. */
public record ComparisonView(String id, String prompt, List<Answer> answers) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Answer(
            Slot slot,
            String generationId,
            @Schema(description = "the answer so far") String text,
            boolean done,
            @Schema(description = "why generating this answer failed") String error,
            @Schema(description = "the version that wrote it, shown only once the comparison has a vote") String modelVersion) {}
}
