package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An earlier turn of a multi-turn comparison as the rater saw it: the prompt and both sides' answers. */
public record ThreadTurn(
        String prompt,
        @Schema(description = "answer A of that turn") String a,
        @Schema(description = "answer B of that turn") String b) {}
