package dev.rlhfloop.contracts.api;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /api/chat}: the next message of a chat with one served version. The conversation is the
 * client's: it sends the earlier turns each time (the server keeps no chat).
 */
public record ChatRequest(
        @Schema(description = "a served version (GET /api/chat/versions); absent: the latest")
        @Size(max = 200, message = VoteRequest.LONGER) String version,
        @Schema(description = "the earlier turns, oldest first; the oldest are left out of the model's context when they do not fit")
        @Size(max = 50, message = "has more than {max} turns") List<@Valid ChatTurn> history,
        @Schema(description = "at most rlhf.inference.max-prompt-chars (2000) characters")
        @NotBlank(message = VoteRequest.MISSING) @Size(max = 2000, message = VoteRequest.LONGER) String prompt) {}
