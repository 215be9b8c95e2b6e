package dev.rlhfloop.feedback.streams;

/**
 * One answer's part in a judged vote, keyed by the version that wrote it.
 *
 * @param newVote false for the second answer when both came from the same version, so the vote counts once
 */
public record Participation(String opponent, Outcome outcome, boolean newVote) {}
