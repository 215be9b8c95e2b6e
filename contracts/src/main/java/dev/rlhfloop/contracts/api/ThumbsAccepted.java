package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to {@code POST /api/thumbs/{comparisonId}/{slot}} (202): the thumbs is on rlhf.thumbs, or
 * was already. It names no model version: a thumbs before the pairwise vote must not unblind it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ThumbsAccepted(
        @Schema(required = true) String thumbsId,
        @Schema(required = true) String comparisonId,
        @Schema(required = true) Slot slot,
        @Schema(required = true, description = "for a duplicate, the first thumbs (the one that counts)") ThumbsRequest.Thumb thumb,
        @Schema(required = true, description = "true when this rater had already rated this answer: the first thumbs counts, once")
        boolean duplicate,
        @Schema(description = "where the thumbs sits on rlhf.thumbs; absent for a duplicate") Integer partition,
        Long offset) {}
