package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The log's one order: what a batch holds depends on the records read, never on the order polls returned them. */
class PendingPairsTest {
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

    private static PendingPairs.Pending record(int partition, long offset, int secondsAfter, boolean trainable) {
        Optional<TokenizedPreference> pair = trainable ? Optional.of(new TokenizedPreference(new int[] {1}, new int[] {2}, new int[] {3})) : Optional.empty();
        return new PendingPairs.Pending(partition, offset, T0.plusSeconds(secondsAfter), pair, 0);
    }

    /** Three partitions; partition 1 holds a vote older than the one before it (another producer's clock). */
    private static List<List<PendingPairs.Pending>> log() {
        return List.of(
                List.of(record(0, 0, 1, true), record(0, 1, 5, true), record(0, 2, 9, true)),
                List.of(record(1, 0, 2, true), record(1, 1, 8, false), record(1, 2, 3, true)),
                List.of(record(2, 0, 2, true), record(2, 1, 4, true)));
    }

    private static org.apache.kafka.common.TopicPartition pairs(int partition) {
        return new org.apache.kafka.common.TopicPartition(dev.rlhfloop.contracts.Topics.PREFERENCE_PAIRS, partition);
    }

    private static String positions(List<PendingPairs.Pending> batch) {
        return String.join(" ", batch.stream().map(p -> p.partition() + "@" + p.offset()).toList());
    }

    @Test
    void batchesFollowVoteTimesWithinEachPartitionsOffsetOrderWhateverThePollOrder() {
        PendingPairs partitionByPartition = new PendingPairs(List.of(0, 1, 2));
        log().forEach(records -> records.forEach(partitionByPartition::add));
        PendingPairs interleaved = new PendingPairs(List.of(0, 1, 2));
        List<List<PendingPairs.Pending>> reversed = new ArrayList<>(log());
        java.util.Collections.reverse(reversed);
        for (int i = 0; i < 3; i++) for (List<PendingPairs.Pending> records : reversed) if (i < records.size()) interleaved.add(records.get(i));

        for (PendingPairs pending : List.of(partitionByPartition, interleaved)) {
            assertEquals("0@0 1@0 2@0", positions(pending.take(3)), "ties on time go to the lower partition");
            // 1@1 is skipped (no pair) but taken in its place; 1@2 (older vote) waits behind it: offsets stay prefixes.
            assertEquals("2@1 0@1 1@1 1@2", positions(pending.take(3)));
            assertEquals(1, pending.trainable());
            assertEquals("0@2", positions(pending.take(3)), "fewer than asked: the rest");
        }
    }

    @Test
    void aRecordedRangeComesOutInTheOrderTheWholeLogGaveIt() {
        PendingPairs whole = new PendingPairs(List.of(0, 1, 2));
        log().forEach(records -> records.forEach(whole::add));
        List<PendingPairs.Pending> firstFive = whole.take(5);

        PendingPairs again = new PendingPairs(List.of(0, 1, 2));
        log().forEach(records -> records.forEach(again::add));
        assertEquals(positions(firstFive), positions(again.takeBefore(Map.of(pairs(0), 2L, pairs(1), 1L, pairs(2), 2L))));
        assertEquals("1@1 1@2 0@2", positions(again.take(4)));
    }

    /** A KTO line's thumbs merge into the pairs' order by time; a tie on time goes to the pairs topic (its name sorts first). */
    @Test
    void thumbsMergeWithPairsByTimeAndARecordedRangeNamesBothTopics() {
        org.apache.kafka.common.TopicPartition thumbs0 = new org.apache.kafka.common.TopicPartition(dev.rlhfloop.contracts.Topics.THUMBS, 0);
        java.util.function.Function<PendingPairs, PendingPairs> filled = pending -> {
            pending.add(record(0, 0, 2, true));
            pending.add(record(0, 1, 5, true));
            for (int[] t : new int[][] {{0, 1}, {1, 2}, {2, 7}}) {
                pending.add(new PendingPairs.Pending(thumbs0.topic(), 0, t[0], T0.plusSeconds(t[1]), Optional.empty(),
                        Optional.of(new dev.rlhfloop.llm.rlhf.TokenizedFeedback(new int[] {1}, new int[] {2}, true)), 0, null));
            }
            return pending;
        };
        PendingPairs pending = filled.apply(new PendingPairs(List.of(pairs(0), thumbs0)));
        List<PendingPairs.Pending> batch = pending.take(4);
        assertEquals(List.of("rlhf.thumbs 0", "rlhf.preference-pairs 0", "rlhf.thumbs 1", "rlhf.preference-pairs 1"),
                batch.stream().map(p -> p.topic() + " " + p.offset()).toList());
        PendingPairs again = filled.apply(new PendingPairs(List.of(pairs(0), thumbs0)));
        assertEquals(batch.stream().map(p -> p.topic() + " " + p.offset()).toList(),
                again.takeBefore(Map.of(pairs(0), 2L, thumbs0, 2L)).stream().map(p -> p.topic() + " " + p.offset()).toList());
    }
}
