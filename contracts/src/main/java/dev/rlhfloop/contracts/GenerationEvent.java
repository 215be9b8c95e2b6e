package dev.rlhfloop.contracts;

import java.time.Instant;

/**
 * One answer of a comparison, published by the inference service when the answer is complete.
 * Keyed by {@link #comparisonId}, so both answers of a comparison and its votes share a partition.
 *
 * @param sequenceLogProb log-probability of the answer's tokens under the model that wrote it (<= 0)
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
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

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
    }

    public static GenerationEvent of(String generationId, String comparisonId, Slot slot, String prompt,
                                     Answer answer, Sampling sampling, double sequenceLogProb) {
        return new GenerationEvent(SCHEMA_VERSION, generationId, comparisonId, slot, prompt, answer,
                sampling, sequenceLogProb, Instant.now());
    }

    public String key() {
        return comparisonId;
    }
}
