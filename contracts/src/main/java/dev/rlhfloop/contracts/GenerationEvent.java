package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One answer of a comparison, published by the inference service when the answer is complete.
 * Keyed by {@link #comparisonId}, so both answers of a comparison and its votes share a partition.
 *
 * @param sequenceLogProb log-probability of the answer's tokens under the model that wrote it (<= 0)
 * @param history         the earlier turns of this side's conversation that were in the model's context,
 *                        oldest first ({@code prompt} is the latest turn's); empty for a first turn, and
 *                        left out of the JSON then, so single-turn events read and write as before
 */
public record GenerationEvent(
        int schemaVersion,
        String generationId,
        String comparisonId,
        Slot slot,
        String prompt,
        Answer answer,
        Sampling sampling,
        double sequenceLogProb,
        Instant createdAt,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Turn> history) {

    /** 2 added {@code history} (a follow-up's earlier turns), optional. */
    public static final int SCHEMA_VERSION = 2;

    public GenerationEvent {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("GenerationEvent")
                .text("generationId", generationId)
                .text("comparisonId", comparisonId)
                .present("slot", slot)
                .present("prompt", prompt)
                .present("answer", answer)
                .present("sampling", sampling)
                .that(sequenceLogProb <= 0, "sequenceLogProb must be <= 0, was " + sequenceLogProb)
                .present("createdAt", createdAt)
                .done();
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** A first turn's event (no history). */
    public GenerationEvent(int schemaVersion, String generationId, String comparisonId, Slot slot, String prompt,
                           Answer answer, Sampling sampling, double sequenceLogProb, Instant createdAt) {
        this(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, createdAt, List.of());
    }

    public static GenerationEvent of(String generationId, String comparisonId, Slot slot, String prompt,
                                     Answer answer, Sampling sampling, double sequenceLogProb) {
        return of(generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, List.of());
    }

    public static GenerationEvent of(String generationId, String comparisonId, Slot slot, String prompt,
                                     Answer answer, Sampling sampling, double sequenceLogProb, List<Turn> history) {
        return new GenerationEvent(SCHEMA_VERSION, generationId, comparisonId, slot, prompt, answer,
                sampling, sequenceLogProb, Instant.now(), history);
    }

    public String key() {
        return comparisonId;
    }
}
