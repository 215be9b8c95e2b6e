package dev.rlhfloop.contracts.api;

import dev.rlhfloop.contracts.Slot;
import java.util.List;

/** The answer to {@code POST /api/comparisons} (201): the comparison, its two answers generated in the background. */
public record ComparisonCreated(String id, String prompt, List<Answer> answers) {
    public record Answer(Slot slot, String generationId) {}
}
