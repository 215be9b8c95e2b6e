package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import dev.rlhfloop.contracts.Choice;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/**
 * {@code POST /api/votes}: a rater's verdict on a comparison. {@code choice} is read in any case.
 * No rater field: a vote's rater is its session's (docs/security.md); a "rater" in the body is ignored.
 */
public record VoteRequest(
        @NotBlank(message = MISSING) @Size(max = 200, message = LONGER) String comparisonId,
        @NotNull(message = "is missing (one of A, B, TIE, BOTH_BAD)")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_VALUES) Choice choice,
        @Size(max = 2000, message = LONGER) String reason) {

    static final String MISSING = "is missing";
    static final String LONGER = "is longer than {max} characters";
}
