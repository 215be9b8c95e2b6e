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
 * @param check           null for an ordinary answer; set on the answers of a comparison that checks the raters
 *                        (gold, or shown to two raters), which the public API never serves
 * @param selection       null for an answer sampled once; how it was chosen among several samples by a
 *                        reward model otherwise ({@code rlhf.inference.best-of}, {@code rlhf.inference.pairing})
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
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Turn> history,
        RaterCheck check,
        Selection selection) {

    /** 2 added {@code history} (a follow-up's earlier turns), optional; 3 added {@code selection}, optional. */
    public static final int SCHEMA_VERSION = 3;

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
        this(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, createdAt, List.of(), null, null);
    }

    public GenerationEvent(int schemaVersion, String generationId, String comparisonId, Slot slot, String prompt,
                           Answer answer, Sampling sampling, double sequenceLogProb, Instant createdAt, List<Turn> history) {
        this(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, createdAt, history, null, null);
    }

    /** An event with every field but {@code selection}: what schema 2 wrote. */
    public GenerationEvent(int schemaVersion, String generationId, String comparisonId, Slot slot, String prompt,
                           Answer answer, Sampling sampling, double sequenceLogProb, Instant createdAt, List<Turn> history,
                           RaterCheck check) {
        this(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb, createdAt, history, check, null);
    }

    public GenerationEvent withCheck(RaterCheck check) {
        return new GenerationEvent(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb,
                createdAt, history, check, selection);
    }

    public GenerationEvent withSelection(Selection selection) {
        return new GenerationEvent(schemaVersion, generationId, comparisonId, slot, prompt, answer, sampling, sequenceLogProb,
                createdAt, history, check, selection);
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
