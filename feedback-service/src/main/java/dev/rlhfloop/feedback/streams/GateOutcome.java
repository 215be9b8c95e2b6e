package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.PreferencePair;
import java.util.List;

/** What {@link PairGate} lets through for one vote (or one released hold): pairs, and a note on the raters. */
public record GateOutcome(List<PreferencePair> pairs, QualityNote note) {
    public GateOutcome {
        pairs = pairs == null ? List.of() : List.copyOf(pairs);
    }
}
