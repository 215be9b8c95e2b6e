package dev.rlhfloop.contracts;

/** The position of an answer in a comparison, as the rater saw it. */
public enum Slot {
    A, B;

    public Slot other() {
        return this == A ? B : A;
    }
}
