package dev.rlhfloop.feedback.streams;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one rater's counted votes added to the statistics, kept per rater so that forgetting the rater
 * can take them out again, past votes included: their share of every version's outcomes, of the
 * totals, and of the votes per minute (the last day's minutes, as long as the per-minute store keeps).
 *
 * @param perMinute votes per minute start (epoch milliseconds)
 */
public record RaterShare(long votes, long decisiveVotes, Map<String, VersionStats> byVersion, Map<Long, Long> perMinute) {
    public static final RaterShare NONE = new RaterShare(0, 0, Map.of(), Map.of());
    private static final long KEPT_MILLIS = Duration.ofDays(1).toMillis();

    public RaterShare {
        byVersion = byVersion == null ? Map.of() : Map.copyOf(byVersion);
        perMinute = perMinute == null ? Map.of() : Map.copyOf(perMinute);
    }

    /** One counted vote's share. */
    public static RaterShare of(JudgedVote vote) {
        long minute = vote.cast().vote().createdAt().toEpochMilli() / FeedbackTopology.MINUTE.toMillis() * FeedbackTopology.MINUTE.toMillis();
        // A gold vote counts only in the votes per minute (the versions' outcomes and the totals leave it out).
        if (vote.gold()) return new RaterShare(0, 0, Map.of(), Map.of(minute, 1L));
        Map<String, VersionStats> byVersion = new TreeMap<>();
        vote.participations().forEach(p -> byVersion.merge(p.key, VersionStats.NONE.plus(p.value), VersionStats::plus));
        return new RaterShare(1, vote.cast().vote().choice().prefersOne() ? 1 : 0, byVersion, Map.of(minute, 1L));
    }

    public RaterShare plus(RaterShare other) {
        Map<String, VersionStats> versions = new TreeMap<>(byVersion);
        other.byVersion.forEach((version, stats) -> versions.merge(version, stats, VersionStats::plus));
        Map<Long, Long> minutes = new TreeMap<>(perMinute);
        other.perMinute.forEach((minute, count) -> minutes.merge(minute, count, Long::sum));
        long newest = minutes.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
        minutes.keySet().removeIf(minute -> minute < newest - KEPT_MILLIS);
        return new RaterShare(votes + other.votes, decisiveVotes + other.decisiveVotes, versions, minutes);
    }

    /** The minute's count as the per-minute series shows it. */
    long votesIn(Instant minute) {
        return perMinute.getOrDefault(minute.toEpochMilli(), 0L);
    }
}
