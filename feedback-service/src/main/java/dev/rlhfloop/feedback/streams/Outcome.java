package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.Slot;

/** A vote seen from one answer's side. */
public enum Outcome {
    WIN, LOSS, TIE, BOTH_BAD;

    public static Outcome of(Choice choice, Slot side) {
        return switch (choice) {
            case TIE -> TIE;
            case BOTH_BAD -> BOTH_BAD;
            case A -> side == Slot.A ? WIN : LOSS;
            case B -> side == Slot.B ? WIN : LOSS;
        };
    }
}
