package dev.rlhfloop.contracts.api;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** One earlier exchange of a chat: what was asked and what the model answered. */
public record ChatTurn(
        @NotNull(message = VoteRequest.MISSING) @Size(max = 2000, message = VoteRequest.LONGER) String prompt,
        @NotNull(message = VoteRequest.MISSING) @Size(max = 4000, message = VoteRequest.LONGER) String answer) {}
