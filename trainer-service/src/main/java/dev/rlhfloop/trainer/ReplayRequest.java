package dev.rlhfloop.trainer;

import java.time.Instant;

/**
 * {@code POST /api/replays}: where in the preference log a replay starts (and, for offsets, where it
 * stops; the same range applies to every partition), and the name of the new line.
 */
public record ReplayRequest(From from, Instant timestamp, Long fromOffset, Long toOffset, String line) {
    public enum From { BEGINNING, TIMESTAMP, OFFSETS }

    /** A line name is a path segment and a version-id prefix: short, lower-case, no dots or slashes. */
    static final String LINE_PATTERN = "[a-z0-9][a-z0-9_-]{0,39}";
}
