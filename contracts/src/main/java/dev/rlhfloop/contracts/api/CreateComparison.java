package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code POST /api/comparisons}: the prompt to answer; the body may be absent. */
public record CreateComparison(
        @Schema(description = "at most rlhf.inference.max-prompt-chars (2000) characters and the model's context; "
                + "absent or null draws a prompt from the pool")
        String prompt) {}
