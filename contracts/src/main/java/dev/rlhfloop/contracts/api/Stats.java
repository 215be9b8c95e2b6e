package dev.rlhfloop.contracts.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code GET /api/stats} (and each {@code stats} event of {@code /api/stats/events}): per model
 * version, its votes and outcomes, and its win rate against the SFT baseline with a 95% Wilson
 * interval; all-time totals; votes per minute over the last hour.
 */
public record Stats(
        Totals totals,
        @Schema(description = "the SFT baseline; null until one is published or configured", nullable = true) String baselineVersion,
        List<Version> versions,
        @Schema(description = "the last 60 minutes, one entry per minute with votes") List<MinuteCount> votesPerMinute) {

    /** Every vote counted since the topics began (a rater's repeat on a comparison counts once). */
    public record Totals(
            long votes,
            @Schema(description = "A or B votes, each one preference pair") long decisiveVotes,
            @Schema(description = "distinct raters") long raters) {}

    public record Version(
            String version,
            @Schema(description = "distinct votes on comparisons this version answered in") long votes,
            long wins, long losses, long ties, long bothBad,
            double tieRate, double bothBadRate,
            @Schema(description = "decisive votes against the baseline, 95% Wilson interval; null before the first", nullable = true)
            WinRate winRateVsBaseline,
            @Schema(description = "outcomes by opposing version") Map<String, Outcomes> against) {}

    public record Outcomes(long wins, long losses, long ties, long bothBad) {}

    /** A success rate with its 95% Wilson score interval. */
    public record WinRate(long successes, long trials, double rate, double low, double high) {}

    public record MinuteCount(Instant minute, long votes) {}
}
