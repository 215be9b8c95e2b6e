package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to {@code POST /api/comparisons} and {@code POST /api/comparisons/{id}/turns} (201): the
 * comparison (a follow-up is a comparison of its own, continuing the thread), its two answers generated
 * in the background.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ComparisonCreated(
        @Schema(required = true) String id,
        @Schema(required = true) String prompt,
        @Schema(required = true) List<Answer> answers,
        @Schema(description = "1 for a comparison's first turn, 2 for its first follow-up, ...") Integer turn,
        @Schema(description = "the comparison this turn continues (votes go to the newest turn's id)") String previousId,
        @Schema(description = "the earlier turns, oldest first, as the rater saw them")
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ThreadTurn> history) {

    public ComparisonCreated(String id, String prompt, List<Answer> answers) {
        this(id, prompt, answers, null, null, null);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Answer(
            @Schema(required = true) Slot slot,
            @Schema(required = true) String generationId,
            @Schema(description = "the oldest earlier turns left out of this side's context because they did not fit (0: none)")
            Integer droppedTurns) {

        public Answer(Slot slot, String generationId) {
            this(slot, generationId, null);
        }
    }
}
