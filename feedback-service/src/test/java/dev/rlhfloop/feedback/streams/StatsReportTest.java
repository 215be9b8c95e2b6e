package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsReportTest {

    @Test
    void versionsAreListedInPublishingOrderNotAsText() {
        List<String> versions = new ArrayList<>(List.of("10", "2", "replay-10", "1", "replay-2", "9", "11"));
        versions.sort(StatsReport.VERSION_ORDER);
        assertEquals(List.of("1", "2", "9", "10", "11", "replay-2", "replay-10"), versions);
    }

    @Test
    void theLeaderboardNamesEachVersionsLine() {
        java.time.Instant now = java.time.Instant.parse("2026-12-06T12:00:00Z");
        var stats = new dev.rlhfloop.contracts.api.Stats(new dev.rlhfloop.contracts.api.Stats.Totals(3, 3, 1), "1", List.of(), List.of(),
                List.of(new dev.rlhfloop.contracts.api.Stats.Rating("rloo-replay-3", 1040, 990, 1090, 3),
                        new dev.rlhfloop.contracts.api.Stats.Rating("1", 1000, 1000, 1000, 3),
                        new dev.rlhfloop.contracts.api.Stats.Rating("local", 960, 900, 1010, 2)));
        var published = List.of(line("1", "live", now), line("rloo-replay-3", "rloo-replay", now));
        var lines = StatsReport.withLines(stats, published).leaderboard();
        assertEquals(java.util.Arrays.asList("rloo-replay", "live", null),
                lines.stream().map(dev.rlhfloop.contracts.api.Stats.Rating::line).toList(), "a version not on the registry has no line");
        assertEquals(List.of(1040.0, 1000.0, 960.0), lines.stream().map(dev.rlhfloop.contracts.api.Stats.Rating::rating).toList());
    }

    private static dev.rlhfloop.contracts.ModelVersion line(String id, String line, java.time.Instant at) {
        return new dev.rlhfloop.contracts.ModelVersion(1, id, line, null, dev.rlhfloop.contracts.Algorithm.DPO, null, null,
                new dev.rlhfloop.contracts.ModelVersion.Weights("file:///" + id, "0".repeat(64)), at);
    }
}
