package dev.rlhfloop.contracts.api;

import jakarta.validation.Valid;
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
        @Size(max = 50, message = "has more than {max} turns") List<@Valid ChatTurn> history) {

    public CreateComparison(String prompt) {
        this(prompt, null);
    }
}
