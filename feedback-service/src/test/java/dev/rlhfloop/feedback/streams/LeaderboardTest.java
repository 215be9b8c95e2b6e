package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeaderboardTest {
    private static Map<String, VersionStats> record(long winsOfV1, long winsOfV2) {
        return Map.of(
                "v1", new VersionStats(0, Map.of("v2", new HeadToHead(winsOfV1, winsOfV2, 0, 0))),
                "v2", new VersionStats(0, Map.of("v1", new HeadToHead(winsOfV2, winsOfV1, 0, 0))));
    }

    @Test
    void refitsWhenVotesChangeButAtMostOncePerInterval() {
        Instant[] now = {Instant.parse("2026-12-06T07:00:00Z")};
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now[0]; }
        };
        Leaderboard leaderboard = new Leaderboard(Duration.ofSeconds(5), clock);
        List<BradleyTerry.Rating> first = leaderboard.ratings(record(30, 10), "v2");
        assertEquals(BradleyTerry.ratings(record(30, 10), "v2", BradleyTerry.Settings.DEFAULTS), first);
        assertSame(first, leaderboard.ratings(record(30, 10), "v2"), "same votes: no refit");
        now[0] = now[0].plusSeconds(2);
        assertSame(first, leaderboard.ratings(record(31, 10), "v2"), "new votes within the interval: the previous ratings");
        now[0] = now[0].plusSeconds(4);
        List<BradleyTerry.Rating> refitted = leaderboard.ratings(record(31, 10), "v2");
        assertNotSame(first, refitted);
        assertEquals(BradleyTerry.ratings(record(31, 10), "v2", BradleyTerry.Settings.DEFAULTS), refitted);
    }
}
