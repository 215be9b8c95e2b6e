package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.VoteEvent;

/** A vote and where it sits in the votes topic. */
public record CastVote(VoteEvent vote, int partition, long offset) {}
