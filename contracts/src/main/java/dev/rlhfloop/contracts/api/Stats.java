package dev.rlhfloop.contracts.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code GET /api/stats} (and each {@code stats} event of {@code /api/stats/events}): per model
 * version, its votes and outcomes, and its win rate against the SFT baseline with a 95% Wilson
 * interval; all-time totals; votes per minute over the last hour; the Bradley–Terry leaderboard; the
 * raters' accuracy on gold comparisons and their agreement.
 */
public record Stats(
        @Schema(required = true) Totals totals,
        @Schema(description = "the SFT baseline; absent until one is published or configured", nullable = true) String baselineVersion,
        @Schema(required = true) List<Version> versions,
        @Schema(required = true, description = "the last 60 minutes, one entry per minute with votes") List<MinuteCount> votesPerMinute,
        @Schema(required = true, description = "Bradley-Terry ratings of every version compared with another one, fitted to all votes (a tie or "
                + "both-bad is half a win each), on the Elo scale with the baseline at 1000; best first") List<Rating> leaderboard,
        @Schema(required = true, description = "gold accuracy per rater and agreement between raters (gold votes count in no other "
                + "figure but votesPerMinute)") RaterQuality raterQuality) {

    public Stats {
        raterQuality = raterQuality == null ? RaterQuality.NONE : raterQuality;
    }

    public Stats(Totals totals, String baselineVersion, List<Version> versions, List<MinuteCount> votesPerMinute,
                 List<Rating> leaderboard) {
        this(totals, baselineVersion, versions, votesPerMinute, leaderboard, RaterQuality.NONE);
    }

    public Stats withRaterQuality(RaterQuality quality) {
        return new Stats(totals, baselineVersion, versions, votesPerMinute, leaderboard, quality);
    }

    public Stats withLeaderboard(List<Rating> ratings) {
        return new Stats(totals, baselineVersion, versions, votesPerMinute, ratings, raterQuality);
    }

    /** Every vote counted since the topics began (a rater's repeat on a comparison counts once; gold votes are left out). */
    public record Totals(
            @Schema(required = true) long votes,
            @Schema(required = true, description = "A or B votes, each one preference pair") long decisiveVotes,
            @Schema(required = true, description = "distinct raters") long raters) {}

    public record Version(
            @Schema(required = true) String version,
            @Schema(required = true, description = "distinct votes on comparisons this version answered in") long votes,
            @Schema(required = true) long wins, @Schema(required = true) long losses, @Schema(required = true) long ties,
            @Schema(required = true) long bothBad, @Schema(required = true) double tieRate, @Schema(required = true) double bothBadRate,
            @Schema(description = "decisive votes against the baseline, 95% Wilson interval; absent before the first", nullable = true)
            WinRate winRateVsBaseline,
            @Schema(required = true, description = "outcomes by opposing version") Map<String, Outcomes> against) {}

    public record Outcomes(@Schema(required = true) long wins, @Schema(required = true) long losses,
                           @Schema(required = true) long ties, @Schema(required = true) long bothBad) {}

    /** A success rate with its 95% Wilson score interval. */
    public record WinRate(@Schema(required = true) long successes, @Schema(required = true) long trials,
                          @Schema(required = true) double rate, @Schema(required = true) double low, @Schema(required = true) double high) {}

    public record MinuteCount(@Schema(required = true) Instant minute, @Schema(required = true) long votes) {}

    public record Rating(
            @Schema(required = true) String version,
            @Schema(required = true) double rating,
            @Schema(required = true, description = "2.5th percentile of 200 bootstrap refits over the votes") double low,
            @Schema(required = true, description = "97.5th percentile") double high,
            @Schema(required = true, description = "votes between this version and another one") long games,
            @Schema(description = "the version's model line (\"live\", or a replay's); absent for a version not on the registry",
                    nullable = true) String line) {

        public Rating(String version, double rating, double low, double high, long games) {
            this(version, rating, low, high, games, null);
        }
    }
}
