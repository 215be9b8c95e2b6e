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
 */
public record PartialStats(Map<String, VersionStats> byVersion, VoteTotals totals, List<Stats.MinuteCount> votesPerMinute,
                           RaterQualityStats raterQuality) {

    public PartialStats(Map<String, VersionStats> byVersion, VoteTotals totals, List<Stats.MinuteCount> votesPerMinute) {
        this(byVersion, totals, votesPerMinute, RaterQualityStats.NONE);
    }

    public PartialStats {
        raterQuality = raterQuality == null ? RaterQualityStats.NONE : raterQuality;
        byVersion = byVersion == null ? Map.of() : Map.copyOf(byVersion);
        totals = totals == null ? VoteTotals.NONE : totals;
        votesPerMinute = votesPerMinute == null ? List.of() : List.copyOf(votesPerMinute);
    }

    public static PartialStats union(List<PartialStats> shares) {
        Map<String, VersionStats> byVersion = new TreeMap<>();
        VoteTotals totals = VoteTotals.NONE;
        List<Stats.MinuteCount> perMinute = new ArrayList<>();
        RaterQualityStats raterQuality = RaterQualityStats.NONE;
        for (PartialStats share : shares) {
            if (share.raterQuality().notes() > raterQuality.notes()) raterQuality = share.raterQuality();
            byVersion.putAll(share.byVersion());
            if (share.totals().votes() > totals.votes()) totals = share.totals();
            perMinute.addAll(share.votesPerMinute());
        }
        perMinute.sort(Comparator.comparing(Stats.MinuteCount::minute));
        return new PartialStats(byVersion, totals, perMinute, raterQuality);
    }
}
