package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * What {@code GET /api/stats} answers: per model version, its votes and outcomes, and its win rate
 * against the SFT baseline with a 95% Wilson interval. Win rates count decisive votes only (ties and
 * both-bad are reported as their own rates), per answer: a vote between two answers of the same
 * version is one win and one loss for it. The leaderboard ranks every version compared with another
 * one by its Bradley–Terry rating over all votes (the baseline at 1000), with bootstrap intervals.
 *
 * @param baselineVersion null until a baseline is configured or an SFT version is published
 * @param leaderboard best first
 */
public record StatsReport(Totals totals, String baselineVersion, List<VersionView> versions, List<MinuteCount> votesPerMinute,
                          List<BradleyTerry.Rating> leaderboard) {

    /** All-time counts (the per-minute series covers only the last hour). */
    public record Totals(long votes, long decisiveVotes, long raters) {
        public static Totals of(VoteTotals totals) {
            return new Totals(totals.votes(), totals.decisiveVotes(), totals.raters().size());
        }
    }

    /**
     * @param winRateVsBaseline null while no decisive vote compared this version with the baseline
     */
    public record VersionView(String version, long votes, long wins, long losses, long ties, long bothBad,
                              double tieRate, double bothBadRate, WilsonInterval winRateVsBaseline,
                              Map<String, HeadToHead> against) {}

    public record MinuteCount(Instant minute, long votes) {}

    /** Versions in publishing order: by line, then by number ("9" before "10", "replay-2" after "9"). */
    static final Comparator<String> VERSION_ORDER = Comparator.comparing(StatsReport::lineOf)
            .thenComparingLong(StatsReport::numberOf)
            .thenComparing(Comparator.naturalOrder());

    private static String lineOf(String version) {
        return version.replaceFirst("\\d+$", "");
    }

    private static long numberOf(String version) {
        String digits = version.substring(lineOf(version).length());
        return digits.isEmpty() || digits.length() > 18 ? -1 : Long.parseLong(digits);
    }

    public static StatsReport of(VoteTotals totals, Map<String, VersionStats> statsByVersion, String baselineVersion,
                                 List<MinuteCount> votesPerMinute) {
        return of(totals, statsByVersion, baselineVersion, votesPerMinute,
                BradleyTerry.ratings(statsByVersion, baselineVersion, BradleyTerry.Settings.DEFAULTS));
    }

    public static StatsReport of(VoteTotals totals, Map<String, VersionStats> statsByVersion, String baselineVersion,
                                 List<MinuteCount> votesPerMinute, List<BradleyTerry.Rating> leaderboard) {
        List<VersionView> views = statsByVersion.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(VERSION_ORDER))
                .map(e -> view(e.getKey(), e.getValue(), baselineVersion))
                .toList();
        return new StatsReport(Totals.of(totals), baselineVersion, views, votesPerMinute, leaderboard);
    }

    private static VersionView view(String version, VersionStats stats, String baselineVersion) {
        HeadToHead total = stats.total();
        double answers = Math.max(1, total.answers());
        WilsonInterval vsBaseline = null;
        if (baselineVersion != null) {
            HeadToHead h = stats.against(baselineVersion);
            if (h.wins() + h.losses() > 0) vsBaseline = WilsonInterval.of(h.wins(), h.wins() + h.losses());
        }
        return new VersionView(version, stats.votes(), total.wins(), total.losses(), total.ties(), total.bothBad(),
                total.ties() / answers, total.bothBad() / answers, vsBaseline, stats.against());
    }

    /** The configured baseline, else the first SFT version published, else none. */
    public static String baseline(Optional<String> configured, Iterable<ModelVersion> published) {
        if (configured.isPresent() && !configured.get().isBlank()) return configured.get();
        return StreamSupport.stream(published.spliterator(), false)
                .filter(v -> v.algorithm() == Algorithm.SFT)
                .min(Comparator.comparing(ModelVersion::createdAt).thenComparing(ModelVersion::versionId))
                .map(ModelVersion::versionId)
                .orElse(null);
    }
}
