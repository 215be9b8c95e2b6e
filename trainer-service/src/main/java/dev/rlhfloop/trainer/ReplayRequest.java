package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.api.StartReplay.From;
import dev.rlhfloop.contracts.api.StartReplay;
import dev.rlhfloop.contracts.Algorithm;
import java.time.Instant;
import java.util.Map;

/**
 * {@code POST /api/replays}: what part of the preference log a replay reads — from the beginning,
 * from a timestamp, or an offset range (the same {@code fromOffset}/{@code toOffset} on every
 * partition, or per partition: {@code fromOffsets}/{@code toOffsets}; a partition named only in
 * {@code toOffsets} starts at its beginning, one named only in {@code fromOffsets} reads to the log's
 * end, one named in neither is not read) — which version it starts from ({@code parent}; null
 * for the SFT model), the name of the new line, and how its updates change the policy
 * ({@code algorithm}: DPO, RLOO, PPO, GRPO or KTO; null for the trainer's {@code rlhf.trainer.algorithm}).
 */
public record ReplayRequest(From from, Instant timestamp, Long fromOffset, Long toOffset,
                            Map<Integer, Long> fromOffsets, Map<Integer, Long> toOffsets,
                            String parent, String line, Algorithm algorithm) {
    /** A line name is a path segment and a version-id prefix: short, lower-case, no dots or slashes. */
    static final String LINE_PATTERN = StartReplay.LINE;

    /** Where reading starts in {@code partition} with from OFFSETS; null for its beginning. */
    Long startIn(int partition) {
        return fromOffsets != null ? fromOffsets.get(partition) : fromOffset;
    }

    /** Whether a replay from OFFSETS reads {@code partition} at all. */
    boolean reads(int partition) {
        if (fromOffsets == null && toOffsets == null) return true;
        return (fromOffsets != null && fromOffsets.containsKey(partition)) || (toOffsets != null && toOffsets.containsKey(partition));
    }

    /** Where reading stops in {@code partition} with from OFFSETS; null for the end of the log. */
    Long endIn(int partition) {
        return toOffsets != null ? toOffsets.get(partition) : toOffset;
    }
}
