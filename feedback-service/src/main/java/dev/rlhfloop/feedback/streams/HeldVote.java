package dev.rlhfloop.feedback.streams;

/**
 * The pair gate's record of a comparison shown to two raters.
 *
 * @param first    the first vote, while its pair waits for the second (and after a release, for the agreement note); null once decided
 * @param heldAt   wall-clock millis when the first vote was held
 * @param released the first vote's pair went out alone: no second vote came within the wait
 * @param decided  both votes are in: later votes on it make no pair and no note
 */
public record HeldVote(JudgedVote first, long heldAt, boolean released, boolean decided) {
    static final HeldVote DECIDED = new HeldVote(null, 0, false, true);
}
