package dev.rlhfloop.contracts;

import java.util.List;

/** An event that lacks what it must contain; the message names the event and every problem. */
public final class InvalidEventException extends IllegalArgumentException {
    public InvalidEventException(String message) {
        super(message);
    }

    /** Collects the problems of one event and throws them all at once, so a caller fixes them in one go. */
    static final class Check {
        private final String event;
        private final java.util.ArrayList<String> problems = new java.util.ArrayList<>();

        Check(String event) {
            this.event = event;
        }

        Check text(String field, String value) {
            if (value == null || value.isBlank()) problems.add(field + " is missing");
            return this;
        }

        Check present(String field, Object value) {
            if (value == null) problems.add(field + " is missing");
            return this;
        }

        Check that(boolean ok, String problem) {
            if (!ok) problems.add(problem);
            return this;
        }

        void done() {
            if (!problems.isEmpty()) throw new InvalidEventException(event + ": " + String.join("; ", List.copyOf(problems)));
        }
    }

    /** Events written before {@code schemaVersion} existed, or without it, are version 1. */
    static int schemaVersionOrFirst(int schemaVersion) {
        return schemaVersion == 0 ? 1 : schemaVersion;
    }
}
