package dev.rlhfloop.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (a rater, an address) and a daily count per rater. A bucket holds one
 * minute's allowance, so a person may burst (a quick run of votes) but not sustain more than the
 * hourly rate. In memory in the gateway: a restart forgets the counts (docs/security.md).
 */
final class RateLimits {
    private final Clock clock;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, DailyCount> daily = new ConcurrentHashMap<>();

    RateLimits(Clock clock) {
        this.clock = clock;
    }

    /** Empty when {@code key} may go on (and one unit is taken), else how long until it may. */
    Optional<Duration> take(String key, int perHour) {
        long now = clock.millis();
        Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(perHour, now));
        return bucket.take(now);
    }

    /** Empty while {@code raterId} has cast fewer than {@code cap} votes today (UTC), else the time until midnight UTC. */
    Optional<Duration> overDailyCap(String raterId, int cap) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        DailyCount count = daily.get(raterId);
        if (count == null || !count.day.equals(today) || count.votes < cap) return Optional.empty();
        Instant midnight = today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        return Optional.of(Duration.between(clock.instant(), midnight));
    }

    void countVote(String raterId) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        daily.compute(raterId, (k, c) -> c == null || !c.day.equals(today) ? new DailyCount(today, 1) : new DailyCount(today, c.votes + 1));
    }

    /** Forgets full buckets and past days, so the maps hold only who was active lately. */
    void prune() {
        long now = clock.millis();
        buckets.values().removeIf(b -> b.isFull(now));
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        daily.values().removeIf(c -> !c.day.equals(today));
    }

    int tracked() {
        return buckets.size() + daily.size();
    }

    private record DailyCount(LocalDate day, int votes) {}

    private static final class Bucket {
        private final double capacity;
        private final double perMilli;
        private double tokens;
        private long lastMillis;

        Bucket(int perHour, long now) {
            this.capacity = Math.max(1, perHour / 60.0);
            this.perMilli = perHour / 3_600_000.0;
            this.tokens = capacity;
            this.lastMillis = now;
        }

        synchronized Optional<Duration> take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return Optional.empty();
            }
            return Optional.of(Duration.ofMillis((long) Math.ceil((1 - tokens) / perMilli)));
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= capacity;
        }

        private void refill(long now) {
            tokens = Math.min(capacity, tokens + (now - lastMillis) * perMilli);
            lastMillis = now;
        }
    }
}
