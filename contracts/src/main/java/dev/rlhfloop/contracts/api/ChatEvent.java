package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The {@code data} of the events of {@code POST /api/chat}: {@code start} (the version answering and how
 * many of the oldest turns did not fit its context), {@code token} (the next piece in {@code text}),
 * {@code done} (the full answer in {@code text}), {@code error} ({@code reason}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatEvent(
        String version,
        @Schema(description = "on start: the oldest turns left out of the model's context (0: the whole conversation fit)") Integer droppedTurns,
        String text,
        String reason) {

    public static ChatEvent start(String version, int droppedTurns) {
        return new ChatEvent(version, droppedTurns, null, null);
    }

    public static ChatEvent text(String text) {
        return new ChatEvent(null, null, text, null);
    }

    public static ChatEvent failed(String reason) {
        return new ChatEvent(null, null, null, reason);
    }
}
