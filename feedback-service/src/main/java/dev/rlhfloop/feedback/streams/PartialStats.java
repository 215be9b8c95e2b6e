package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.api.Stats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One instance's share of the statistics: what its own stores hold. Every key lives on exactly one
 * instance (per-version statistics are spread over the instances by version; the totals and the
 * per-minute counts sit under one key, so on one instance), so the whole is the union of the shares.
 *
 * @param totals {@link VoteTotals#NONE} on the instances that do not hold them
 * @param votesPerMinute empty on the instances that do not hold them
 * @param raterQuality gold accuracy and agreement, from the instance that holds them
 * @param forgotten the shares of forgotten raters this instance holds (by rater), to take out of the whole
 */
public record PartialStats(Map<String, VersionStats> byVersion, VoteTotals totals, List<Stats.MinuteCount> votesPerMinute,
                           RaterQualityStats raterQuality, Map<String, RaterShare> forgotten) {

    public PartialStats {
        raterQuality = raterQuality == null ? RaterQualityStats.NONE : raterQuality;
        byVersion = byVersion == null ? Map.of() : Map.copyOf(byVersion);
        totals = totals == null ? VoteTotals.NONE : totals;
        votesPerMinute = votesPerMinute == null ? List.of() : List.copyOf(votesPerMinute);
        forgotten = forgotten == null ? Map.of() : Map.copyOf(forgotten);
    }

    public PartialStats(Map<String, VersionStats> byVersion, VoteTotals totals, List<Stats.MinuteCount> votesPerMinute) {
        this(byVersion, totals, votesPerMinute, RaterQualityStats.NONE, Map.of());
    }

    /** The statistics without the forgotten raters' votes, as if they had never been cast. */
    public PartialStats withoutForgotten() {
        if (forgotten.isEmpty()) return this;
        Map<String, VersionStats> versions = new TreeMap<>(byVersion);
        long votes = totals.votes();
        long decisive = totals.decisiveVotes();
        java.util.Set<String> raters = new java.util.TreeSet<>(totals.raters());
        List<Stats.MinuteCount> perMinute = new ArrayList<>(votesPerMinute);
        for (var rater : forgotten.entrySet()) {
            RaterShare share = rater.getValue();
            share.byVersion().forEach((version, part) -> versions.computeIfPresent(version, (v, stats) -> {
                VersionStats left = stats.minus(part);
                return left.votes() == 0 && left.against().isEmpty() ? null : left;
            }));
            votes -= share.votes();
            decisive -= share.decisiveVotes();
            raters.remove(rater.getKey());
            perMinute.replaceAll(m -> new Stats.MinuteCount(m.minute(), Math.max(0, m.votes() - share.votesIn(m.minute()))));
        }
        perMinute.removeIf(m -> m.votes() == 0);
        return new PartialStats(versions, new VoteTotals(Math.max(0, votes), Math.max(0, decisive), raters), perMinute,
                raterQuality, Map.of());
    }

    public static PartialStats union(List<PartialStats> shares) {
        Map<String, VersionStats> byVersion = new TreeMap<>();
        VoteTotals totals = VoteTotals.NONE;
        List<Stats.MinuteCount> perMinute = new ArrayList<>();
        RaterQualityStats raterQuality = RaterQualityStats.NONE;
        Map<String, RaterShare> forgotten = new TreeMap<>();
        for (PartialStats share : shares) {
            if (share.raterQuality().notes() > raterQuality.notes()) raterQuality = share.raterQuality();
            byVersion.putAll(share.byVersion());
            forgotten.putAll(share.forgotten());
            if (share.totals().votes() > totals.votes()) totals = share.totals();
            perMinute.addAll(share.votesPerMinute());
        }
        perMinute.sort(Comparator.comparing(Stats.MinuteCount::minute));
        return new PartialStats(byVersion, totals, perMinute, raterQuality, forgotten);
    }
}
