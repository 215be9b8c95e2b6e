package dev.rlhfloop.trainer;

import java.time.Duration;
import java.util.Locale;

/**
 * Where a version's time went, for the operator's one log line per version and the dashboard's
 * message: from its batch's last vote to the cut ({@code null} for a replay, whose votes are old),
 * training (the reward model's part of it, to its last optimizer step, then the policy's, which
 * holds the reward model's held-out evaluation), writing the version's files (weights,
 * archives and their digest), and announcing it (checkpoint, offset commit, the registry event).
 * Where the policy does not read the reward model (DPO, KTO) the reward model trains after the
 * announcement, off the way to serving: its share here is 0, and a line of its own follows.
 * {@code ./bench UpdateToServing} reads the line.
 */
record VersionTimes(Duration sinceLastVote, long trainingNanos, long rewardModelNanos, long writingNanos, long announcingNanos) {

    /** The phrase the log line starts with: one clause per phase, in seconds. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%strained in %.2f s (reward model %.2f s, policy %.2f s), published in %.2f s (files %.2f s, announced %.2f s)",
                sinceLastVote == null ? "" : String.format(Locale.ROOT, "batch cut %.2f s after its last vote, ", sinceLastVote.toNanos() / 1e9),
                trainingNanos / 1e9, rewardModelNanos / 1e9, (trainingNanos - rewardModelNanos) / 1e9,
                (writingNanos + announcingNanos) / 1e9, writingNanos / 1e9, announcingNanos / 1e9);
    }

    /** For the dashboard's message. */
    String brief() {
        return String.format(Locale.ROOT, "trained in %.1f s, published in %.1f s", trainingNanos / 1e9, (writingNanos + announcingNanos) / 1e9);
    }
}
