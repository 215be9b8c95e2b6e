package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Choice;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The answer to {@code POST /api/votes} (202): the vote is on the votes topic, or was already. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VoteAccepted(
        @Schema(required = true) String voteId,
        @Schema(required = true) String comparisonId,
        @Schema(required = true, description = "for a duplicate, the first vote's choice (the one that counts)") Choice choice,
        @Schema(required = true, description = "true when this rater had already voted on the comparison: it counts once") boolean duplicate,
        @Schema(description = "where the vote sits on rlhf.votes; absent for a duplicate") Integer partition,
        Long offset) {}
