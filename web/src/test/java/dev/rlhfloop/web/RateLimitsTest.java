package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The buckets' arithmetic on a clock the test moves: a minute's burst, then the hourly rate; the cap until midnight UTC. */
class RateLimitsTest {
    private Instant now = Instant.parse("2026-12-06T23:00:00Z");
    private final Clock clock = new Clock() {
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    };
    private final RateLimits limits = new RateLimits(clock);

    @Test
    void aMinutesAllowanceAtOnceThenTheHourlyRate() {
        for (int i = 0; i < 60; i++) assertTrue(limits.take("r", 3600).isEmpty(), "vote " + i + " of the burst");
        assertEquals(Duration.ofSeconds(1), limits.take("r", 3600).orElseThrow());
        assertTrue(limits.take("other", 3600).isEmpty(), "each key has its own bucket");
        now = now.plusSeconds(1);
        assertTrue(limits.take("r", 3600).isEmpty());
        assertTrue(limits.take("r", 3600).isPresent());
    }

    @Test
    void theDailyCapHoldsUntilMidnightUtc() {
        limits.countVote("r");
        limits.countVote("r");
        assertTrue(limits.overDailyCap("r", 3).isEmpty());
        limits.countVote("r");
        assertEquals(Duration.ofHours(1), limits.overDailyCap("r", 3).orElseThrow());
        now = now.plus(Duration.ofHours(1));
        assertTrue(limits.overDailyCap("r", 3).isEmpty(), "a new day");
        limits.prune();
        assertEquals(0, limits.tracked(), "yesterday's counts are forgotten");
    }
}
