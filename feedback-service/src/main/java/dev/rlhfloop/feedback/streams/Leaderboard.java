package dev.rlhfloop.feedback.streams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Bradley–Terry leaderboard, refitted only when the votes changed and at most once per
 * {@code refitInterval}: statistics are asked for on every dashboard poll and stats-event check,
 * while a refit with its bootstrap costs tens of milliseconds at 20 versions and seconds at 200.
 * Between refits the previous ratings are served, a few seconds behind the vote counts.
 */
public final class Leaderboard {
    private final Duration refitInterval;
    private final Clock clock;
    private Map<String, VersionStats> fittedStats;
    private String fittedAnchor;
    private Instant fittedAt = Instant.MIN;
    private List<BradleyTerry.Rating> ratings = List.of();

    public Leaderboard(Duration refitInterval, Clock clock) {
        this.refitInterval = refitInterval;
        this.clock = clock;
    }

    public synchronized List<BradleyTerry.Rating> ratings(Map<String, VersionStats> statsByVersion, String anchor) {
        boolean same = statsByVersion.equals(fittedStats) && Objects.equals(anchor, fittedAnchor);
        Instant now = clock.instant();
        if (same || (fittedStats != null && now.isBefore(fittedAt.plus(refitInterval)))) return ratings;
        ratings = BradleyTerry.ratings(statsByVersion, anchor, BradleyTerry.Settings.DEFAULTS);
        fittedStats = Map.copyOf(statsByVersion);
        fittedAnchor = anchor;
        fittedAt = now;
        return ratings;
    }
}
