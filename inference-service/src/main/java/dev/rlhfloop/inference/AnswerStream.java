package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Slot;
import java.util.ArrayList;
import java.util.List;

/**
 * One answer of a comparison while and after it is generated: the text so far and who is
 * listening. A listener that subscribes late first gets the text so far, then every later piece,
 * in order (both under one lock, so nothing slips in between).
 */
final class AnswerStream {

    /** What a client sees of an answer. */
    interface Listener {
        void token(Slot slot, String piece);

        void done(Slot slot, String text);

        void error(Slot slot, String reason);
    }

    /** The answer as {@code GET /api/comparisons/{id}} shows it. */
    record Snapshot(Slot slot, String generationId, String text, boolean done, String error) {}

    private final Slot slot;
    private final String generationId;
    private final String modelVersion;
    private final StringBuilder text = new StringBuilder();
    private final List<Listener> listeners = new ArrayList<>();
    private boolean done;
    private String error;

    AnswerStream(Slot slot, String generationId, String modelVersion) {
        this.slot = slot;
        this.generationId = generationId;
        this.modelVersion = modelVersion;
    }

    Slot slot() {
        return slot;
    }

    String generationId() {
        return generationId;
    }

    String modelVersion() {
        return modelVersion;
    }

    synchronized void subscribe(Listener listener) {
        if (done) {
            listener.done(slot, text.toString());
        } else if (error != null) {
            if (!text.isEmpty()) listener.token(slot, text.toString());
            listener.error(slot, error);
        } else {
            if (!text.isEmpty()) listener.token(slot, text.toString());
            listeners.add(listener);
        }
    }

    synchronized void unsubscribe(Listener listener) {
        listeners.remove(listener);
    }

    synchronized void append(String piece) {
        text.append(piece);
        for (Listener listener : List.copyOf(listeners)) listener.token(slot, piece);
    }

    synchronized void finish(String finalText) {
        text.setLength(0);
        text.append(finalText);
        done = true;
        for (Listener listener : List.copyOf(listeners)) listener.done(slot, finalText);
        listeners.clear();
    }

    synchronized void fail(String reason) {
        error = reason;
        for (Listener listener : List.copyOf(listeners)) listener.error(slot, reason);
        listeners.clear();
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(slot, generationId, text.toString(), done, error);
    }
}
