package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.api.Stats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The statistics without a forgotten rater are what they would be had the rater never voted. */
class PartialStatsTest {
    private static final Instant MINUTE = Instant.parse("2026-12-06T09:00:00Z");

    private static VersionStats stats(String opponent, Outcome... outcomes) {
        VersionStats stats = VersionStats.NONE;
        for (Outcome o : outcomes) stats = stats.plus(new Participation(opponent, o, true));
        return stats;
    }

    @Test
    void aForgottenRatersShareComesOutOfEveryCount() {
        // alice: a win of v2 over v1; bob: a loss of v2 and a vote on v3 against v1 (bob alone voted on v3)
        var all = new PartialStats(
                Map.of("v1", stats("v2", Outcome.LOSS, Outcome.WIN).plus(stats("v3", Outcome.TIE)),
                        "v2", stats("v1", Outcome.WIN, Outcome.LOSS),
                        "v3", stats("v1", Outcome.TIE)),
                new VoteTotals(3, 2, Set.of("alice", "bob")),
                List.of(new Stats.MinuteCount(MINUTE, 3)),
                RaterQualityStats.NONE,
                Map.of("bob", new RaterShare(2, 1,
                        Map.of("v1", stats("v2", Outcome.WIN).plus(stats("v3", Outcome.TIE)), "v2", stats("v1", Outcome.LOSS),
                                "v3", stats("v1", Outcome.TIE)),
                        Map.of(MINUTE.toEpochMilli(), 2L))));
        PartialStats without = all.withoutForgotten();
        assertEquals(new VoteTotals(1, 1, Set.of("alice")), without.totals());
        assertEquals(Map.of("v1", stats("v2", Outcome.LOSS), "v2", stats("v1", Outcome.WIN)), without.byVersion(),
                "v3, voted on by bob alone, is gone; the others keep alice's vote");
        assertEquals(List.of(new Stats.MinuteCount(MINUTE, 1)), without.votesPerMinute());
        PartialStats nobodyForgotten = new PartialStats(all.byVersion(), all.totals(), all.votesPerMinute());
        assertEquals(nobodyForgotten, nobodyForgotten.withoutForgotten(), "nothing forgotten, nothing changes");
    }
}
