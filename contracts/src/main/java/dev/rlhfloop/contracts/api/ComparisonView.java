package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/comparisons/{id}}: a comparison's answers so far, and the turns before it when it is a follow-up. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComparisonView(
        @Schema(required = true) String id,
        @Schema(required = true) String prompt,
        @Schema(required = true) List<Answer> answers,
        @Schema(description = "1 for a comparison's first turn, 2 for its first follow-up, ...") Integer turn,
        @Schema(description = "the comparison this turn continues") String previousId,
        @Schema(description = "the earlier turns, oldest first, as the rater saw them")
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ThreadTurn> history) {

    public ComparisonView(String id, String prompt, List<Answer> answers) {
        this(id, prompt, answers, null, null, null);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Answer(
            @Schema(required = true) Slot slot,
            String generationId,
            @Schema(description = "the answer so far") String text,
            @Schema(required = true) boolean done,
            @Schema(description = "why generating this answer failed") String error,
            @Schema(description = "the version that wrote it, shown only once the comparison has a vote") String modelVersion,
            @Schema(description = "the oldest earlier turns left out of this side's context because they did not fit (0: none)")
            Integer droppedTurns) {

        public Answer(Slot slot, String generationId, String text, boolean done, String error, String modelVersion) {
            this(slot, generationId, text, done, error, modelVersion, null);
        }
    }
}
