package dev.rlhfloop.contracts.api;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** An earlier turn of a multi-turn comparison as the rater saw it: the prompt and both sides' answers. */
public record ThreadTurn(
        @Schema(required = true) String prompt,
        @Schema(required = true, description = "answer A of that turn") String a,
        @Schema(required = true, description = "answer B of that turn") String b) {}
