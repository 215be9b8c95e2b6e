package dev.rlhfloop.contracts.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code POST /api/comparisons}: the prompt to answer; the body may be absent. */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record CreateComparison(
        @Schema(description = "at most rlhf.inference.max-prompt-chars (2000) characters and the model's context; "
                + "absent or null draws a prompt from the pool")
        String prompt,
        @Schema(description = "a conversation to continue (a chat sent to rating): its turns, oldest first, are both "
                + "sides' shared history, and the prompt is the next message; needs a prompt")
        @Size(max = 50, message = "has more than {max} turns") List<@Valid ChatTurn> history,
        @Schema(description = "which versions answer: latest (two samples of the live line's latest), latest-vs-previous, "
                + "latest-vs-baseline, latest-vs-resident, or line-vs-line (the live line's latest against the latest of a line "
                + "served beside it, POST /api/lines/{line}/serve); absent or null: the service's mode (rlhf.inference.compare)",
                enumeration = {"latest", "latest-vs-previous", "latest-vs-baseline", "latest-vs-resident", "line-vs-line"})
        @Pattern(regexp = MODES, message = "must be one of latest, latest-vs-previous, latest-vs-baseline, latest-vs-resident, line-vs-line")
        String mode) {

    /** The comparison modes a request may name, as rlhf.inference.compare spells them. */
    public static final String MODES = "latest|latest-vs-previous|latest-vs-baseline|latest-vs-resident|line-vs-line";

    public CreateComparison(String prompt) {
        this(prompt, null, null);
    }

    public CreateComparison(String prompt, List<ChatTurn> history) {
        this(prompt, history, null);
    }
}
