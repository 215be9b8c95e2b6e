package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import java.time.Instant;

/**
 * {@code POST /api/replays}: where in the preference log a replay starts (and, for offsets, where it
 * stops; the same range applies to every partition), the name of the new line, and how its updates
 * change the policy ({@code algorithm}, DPO or RLOO; null for the trainer's {@code rlhf.trainer.algorithm}).
 */
public record ReplayRequest(From from, Instant timestamp, Long fromOffset, Long toOffset, String line, Algorithm algorithm) {
    public enum From { BEGINNING, TIMESTAMP, OFFSETS }

    /** A line name is a path segment and a version-id prefix: short, lower-case, no dots or slashes. */
    static final String LINE_PATTERN = "[a-z0-9][a-z0-9_-]{0,39}";
}
