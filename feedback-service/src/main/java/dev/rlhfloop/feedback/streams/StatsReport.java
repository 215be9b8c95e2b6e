package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.api.Stats;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.StreamSupport;

/**
 * Builds what {@code GET /api/stats} answers ({@link Stats}): per model version, its votes and
 * outcomes, and its win rate against the SFT baseline with a 95% Wilson interval. Win rates count
 * decisive votes only (ties and both-bad are reported as their own rates), per answer: a vote
 * between two answers of the same version is one win and one loss for it. The leaderboard ranks every
 * version compared with another one by its Bradley–Terry rating over all votes (the baseline at
 * 1000), with bootstrap intervals.
 */
public final class StatsReport {
    private StatsReport() {}

    /** All-time counts (the per-minute series covers only the last hour). */
    public static Stats.Totals totals(VoteTotals totals) {
        return new Stats.Totals(totals.votes(), totals.decisiveVotes(), totals.raters().size());
    }

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

    /** @param baselineVersion null until a baseline is configured or an SFT version is published */
    public static Stats of(VoteTotals totals, Map<String, VersionStats> statsByVersion, String baselineVersion,
                           List<Stats.MinuteCount> votesPerMinute) {
        return of(totals, statsByVersion, baselineVersion, votesPerMinute,
                BradleyTerry.ratings(statsByVersion, baselineVersion, BradleyTerry.Settings.DEFAULTS));
    }

    /** @param leaderboard best first */
    public static Stats of(VoteTotals totals, Map<String, VersionStats> statsByVersion, String baselineVersion,
                           List<Stats.MinuteCount> votesPerMinute, List<BradleyTerry.Rating> leaderboard) {
        List<Stats.Version> views = statsByVersion.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(VERSION_ORDER))
                .map(e -> view(e.getKey(), e.getValue(), baselineVersion))
                .toList();
        List<Stats.Rating> ratings = leaderboard.stream()
                .map(r -> new Stats.Rating(r.version(), r.rating(), r.low(), r.high(), r.games()))
                .toList();
        return new Stats(totals(totals), baselineVersion, views, votesPerMinute, ratings);
    }

    private static Stats.Version view(String version, VersionStats stats, String baselineVersion) {
        HeadToHead total = stats.total();
        double answers = Math.max(1, total.answers());
        Stats.WinRate vsBaseline = null;
        if (baselineVersion != null) {
            HeadToHead h = stats.against(baselineVersion);
            if (h.wins() + h.losses() > 0) {
                WilsonInterval w = WilsonInterval.of(h.wins(), h.wins() + h.losses());
                vsBaseline = new Stats.WinRate(w.successes(), w.trials(), w.rate(), w.low(), w.high());
            }
        }
        Map<String, Stats.Outcomes> against = new TreeMap<>();
        stats.against().forEach((opponent, h) -> against.put(opponent, new Stats.Outcomes(h.wins(), h.losses(), h.ties(), h.bothBad())));
        return new Stats.Version(version, stats.votes(), total.wins(), total.losses(), total.ties(), total.bothBad(),
                total.ties() / answers, total.bothBad() / answers, vsBaseline, against);
    }

    /** {@code stats} with each leaderboard version's model line, as the registry has it (none for a version not on it). */
    public static Stats withLines(Stats stats, Iterable<ModelVersion> published) {
        Map<String, String> lineOf = new java.util.HashMap<>();
        published.forEach(v -> lineOf.put(v.versionId(), v.modelLine()));
        return stats.withLeaderboard(stats.leaderboard().stream()
                .map(r -> new Stats.Rating(r.version(), r.rating(), r.low(), r.high(), r.games(), lineOf.get(r.version())))
                .toList());
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
