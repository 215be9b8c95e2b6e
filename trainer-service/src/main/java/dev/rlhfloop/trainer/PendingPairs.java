package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The records a line has read and not yet trained on, one queue per partition in offset order, and
 * the log's one order of them: the partitions merged by the votes' times, ties broken by
 * (topic, partition, offset). Merging keeps each partition's offset order, so every batch taken from
 * the front is a prefix of each partition and is recorded exactly by its per-partition offsets.
 * Nothing here depends on how polls interleaved the partitions: only on which records have been
 * read. A KTO line reads the thumbs topic beside the pairs: its thumbs merge into the same order.
 */
final class PendingPairs {

    /**
     * One record of the pairs topic (a {@code pair}) or of the thumbs topic (a {@code rating}). Both
     * are empty for a record the line skips (unreadable, answers that do not encode, or a forgotten
     * rater's: then {@code forgottenRater} names it); it is consumed in its place in the order all the same.
     * {@code rater} is a pair's voter (null for an imported or unreadable pair, and for a rating): it
     * sets the pair's weight when the line weighs pairs by reliability.
     */
    record Pending(String topic, int partition, long offset, Instant votedAt, Optional<TokenizedPreference> pair,
                   Optional<TokenizedFeedback> rating, long receivedNanos, String forgottenRater, String rater) {
        Pending(String topic, int partition, long offset, Instant votedAt, Optional<TokenizedPreference> pair,
                Optional<TokenizedFeedback> rating, long receivedNanos, String forgottenRater) {
            this(topic, partition, offset, votedAt, pair, rating, receivedNanos, forgottenRater, null);
        }

        Pending(int partition, long offset, Instant votedAt, Optional<TokenizedPreference> pair, long receivedNanos, String forgottenRater,
                String rater) {
            this(Topics.PREFERENCE_PAIRS, partition, offset, votedAt, pair, Optional.empty(), receivedNanos, forgottenRater, rater);
        }

        Pending(int partition, long offset, Instant votedAt, Optional<TokenizedPreference> pair, long receivedNanos) {
            this(partition, offset, votedAt, pair, receivedNanos, null, null);
        }

        Pending(int partition, long offset, Instant votedAt, Optional<TokenizedPreference> pair, long receivedNanos,
                String forgottenRater) {
            this(partition, offset, votedAt, pair, receivedNanos, forgottenRater, null);
        }

        boolean trainable() {
            return pair.isPresent() || rating.isPresent();
        }

        TopicPartition topicPartition() {
            return new TopicPartition(topic, partition);
        }
    }

    static final Comparator<Pending> ORDER = Comparator.comparing(Pending::votedAt).thenComparing(Pending::topic)
            .thenComparingInt(Pending::partition).thenComparingLong(Pending::offset);

    private final Map<TopicPartition, Deque<Pending>> queues = new TreeMap<>(
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));

    /** The pairs topic's partitions. */
    PendingPairs(List<Integer> partitions) {
        this(partitions.stream().map(p -> new TopicPartition(Topics.PREFERENCE_PAIRS, p)).toList());
    }

    PendingPairs(java.util.Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) queues.put(partition, new ArrayDeque<>());
    }

    /** Records arrive in offset order within their partition (as a consumer reads them). */
    void add(Pending record) {
        queues.get(record.topicPartition()).addLast(record);
    }

    boolean isEmpty() {
        return queues.values().stream().allMatch(Deque::isEmpty);
    }

    int trainable() {
        return (int) queues.values().stream().flatMap(Deque::stream).filter(Pending::trainable).count();
    }

    /** When the oldest trainable record was read, if there is one. */
    Optional<Long> oldestTrainableReceivedNanos() {
        return queues.values().stream().flatMap(Deque::stream).filter(Pending::trainable)
                .map(Pending::receivedNanos).min(Long::compare);
    }

    /**
     * Takes the first records of the merge, up to and including the {@code pairs}-th trainable one
     * (all of them when fewer are read), in the log's order.
     */
    List<Pending> take(int pairs) {
        return merge(queues.values(), pairs);
    }

    /**
     * Takes every record before {@code end} (next offset per partition), in the log's order: a
     * recorded batch. The merge of these prefixes orders them as the merge of the whole log did.
     */
    List<Pending> takeBefore(Map<TopicPartition, Long> end) {
        List<Deque<Pending>> prefixes = new ArrayList<>();
        queues.forEach((partition, queue) -> {
            long stop = end.getOrDefault(partition, Long.MIN_VALUE);
            Deque<Pending> prefix = new ArrayDeque<>();
            while (!queue.isEmpty() && queue.peekFirst().offset() < stop) prefix.addLast(queue.removeFirst());
            prefixes.add(prefix);
        });
        return merge(prefixes, Integer.MAX_VALUE);
    }

    /** Removes heads from the queues, always the first in {@link #ORDER}, until {@code pairs} trainable ones are taken. */
    private static List<Pending> merge(java.util.Collection<Deque<Pending>> from, int pairs) {
        List<Pending> batch = new ArrayList<>();
        int taken = 0;
        while (taken < pairs) {
            Optional<Deque<Pending>> next = from.stream().filter(q -> !q.isEmpty())
                    .min(Comparator.comparing(Deque::peekFirst, ORDER));
            if (next.isEmpty()) break;
            Pending head = next.get().removeFirst();
            batch.add(head);
            if (head.trainable()) taken++;
        }
        return batch;
    }
}
