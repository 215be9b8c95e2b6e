package dev.rlhfloop.contracts.api;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code POST /api/comparisons/{id}/turns}: the rater's follow-up to both answers of the comparison's last turn. */
public record FollowUp(
        @Schema(description = "at most rlhf.inference.max-prompt-chars (2000) characters")
        @NotBlank(message = VoteRequest.MISSING) @Size(max = 2000, message = VoteRequest.LONGER) String prompt) {}
