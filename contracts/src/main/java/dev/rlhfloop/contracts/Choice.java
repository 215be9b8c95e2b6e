package dev.rlhfloop.contracts;

/** What a rater said about the two answers of one comparison. */
public enum Choice {
    A, B, TIE, BOTH_BAD;

    /** True when the vote prefers one answer, so it yields a preference pair. */
    public boolean prefersOne() {
        return this == A || this == B;
    }
}
