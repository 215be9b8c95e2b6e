package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Slot;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The {@code data} of the events of {@code GET /api/comparisons/{id}/events}: {@code token} (the next
 * piece in {@code text}), {@code done} (the full answer in {@code text}), {@code error} ({@code reason}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnswerEvent(@Schema(required = true) Slot slot, String text, String reason) {
    public static AnswerEvent text(Slot slot, String text) {
        return new AnswerEvent(slot, text, null);
    }

    public static AnswerEvent failed(Slot slot, String reason) {
        return new AnswerEvent(slot, null, reason);
    }
}
