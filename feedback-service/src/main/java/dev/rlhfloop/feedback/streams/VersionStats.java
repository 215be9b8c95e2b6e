package dev.rlhfloop.feedback.streams;

import java.util.Map;
import java.util.TreeMap;

/**
 * The votes on one model version's answers, split by the version it was compared with.
 *
 * @param votes distinct votes on comparisons this version took part in
 */
public record VersionStats(long votes, Map<String, HeadToHead> against) {
    public static final VersionStats NONE = new VersionStats(0, Map.of());

    public VersionStats {
        against = against == null ? Map.of() : Map.copyOf(against);
    }

    public VersionStats plus(Participation p) {
        Map<String, HeadToHead> next = new TreeMap<>(against);
        next.merge(p.opponent(), HeadToHead.NONE.plus(p.outcome()), HeadToHead::plus);
        return new VersionStats(votes + (p.newVote() ? 1 : 0), next);
    }

    /** Both versions' counts together (one rater's share of this version and another's). */
    public VersionStats plus(VersionStats other) {
        Map<String, HeadToHead> next = new TreeMap<>(against);
        other.against.forEach((opponent, h) -> next.merge(opponent, h, HeadToHead::plus));
        return new VersionStats(votes + other.votes, next);
    }

    /** These counts without {@code part} (a forgotten rater's share); opponents left with nothing drop out. */
    public VersionStats minus(VersionStats part) {
        Map<String, HeadToHead> next = new TreeMap<>(against);
        part.against.forEach((opponent, h) -> next.computeIfPresent(opponent, (o, mine) -> {
            HeadToHead left = mine.minus(h);
            return left.answers() == 0 ? null : left;
        }));
        return new VersionStats(Math.max(0, votes - part.votes), next);
    }

    public HeadToHead total() {
        return against.values().stream().reduce(HeadToHead.NONE, HeadToHead::plus);
    }

    public HeadToHead against(String version) {
        return against.getOrDefault(version, HeadToHead.NONE);
    }
}
