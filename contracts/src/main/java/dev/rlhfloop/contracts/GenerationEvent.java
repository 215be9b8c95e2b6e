package dev.rlhfloop.contracts;

import java.time.Instant;

/**
 * One answer of a comparison, published by the inference service when the answer is complete.
 * Keyed by {@link #comparisonId}, so both answers of a comparison and its votes share a partition.
 *
 * @param sequenceLogProb log-probability of the answer's tokens under the model that wrote it (<= 0)
 * @param check           null for an ordinary answer; set on the answers of a comparison that checks the raters
 *                        (gold, or shown to two raters), which the public API never serves
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
        RaterCheck check) {

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

    public GenerationEvent(int schemaVersion, String generationId, String comparisonId, Slot slot, String prompt,
                           Answer answer, Sampling sampling, double sequenceLogProb, Instant createdAt) {
        this(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, createdAt, null);
    }

    public GenerationEvent withCheck(RaterCheck check) {
        return new GenerationEvent(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb,
                createdAt, check);
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
