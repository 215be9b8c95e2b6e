package dev.rlhfloop.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A rater's thumbs up or down on one answer of a comparison, rated alone (KTO's data: no second
 * answer needed). Published by the feedback service, the topic's one writer, on {@link Topics#THUMBS};
 * keyed by {@link #comparisonId}, so a comparison's answers, votes and thumbs share a partition. It
 * carries the answer as the preference pairs carry theirs (the prompt, the answer's text, token ids
 * and the version that wrote it, a follow-up's earlier turns), so a trainer needs no other topic.
 * The thumbs id is derived from the comparison, the slot and the rater: one thumbs per rater per answer.
 *
 * @param history a follow-up's earlier turns of this answer's side, oldest first (empty for a first
 *                turn, and left out of the JSON then)
 */
public record ThumbsEvent(
        int schemaVersion,
        String thumbsId,
        String comparisonId,
        Slot slot,
        String prompt,
        Answer answer,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Turn> history,
        boolean up,
        String rater,
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

    public ThumbsEvent {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("ThumbsEvent")
                .text("thumbsId", thumbsId)
                .text("comparisonId", comparisonId)
                .present("slot", slot)
                .present("prompt", prompt)
                .present("answer", answer)
                .text("rater", rater)
                .present("createdAt", createdAt)
                .done();
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** The thumbs of {@code rater} on the answer {@code generation} holds. */
    public static ThumbsEvent of(GenerationEvent generation, boolean up, String rater, Instant createdAt) {
        return new ThumbsEvent(SCHEMA_VERSION, idFor(generation.comparisonId(), generation.slot(), rater), generation.comparisonId(),
                generation.slot(), generation.prompt(), generation.answer(), generation.history(), up, rater, createdAt);
    }

    /** The same rater on the same answer always gets the same thumbs id. */
    public static String idFor(String comparisonId, Slot slot, String rater) {
        byte[] name = ("thumbs\u0000" + comparisonId + '\u0000' + slot + '\u0000' + rater).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(name).toString();
    }

    /** The version that wrote the rated answer. */
    public String modelVersion() {
        return answer.modelVersion();
    }

    public String key() {
        return comparisonId;
    }
}
