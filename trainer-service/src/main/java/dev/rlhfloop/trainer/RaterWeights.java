package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.RaterReliability;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.service.CompactedLog;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each rater's weight as {@code rlhf.rater-reliability} says now (followed from its beginning; the
 * feedback service computes it from gold votes and agreement), and the weights a version uses: a
 * batch that rebuilds a recorded version takes that version's recorded weights, so a replay weighs
 * its pairs as the live line did; a new batch takes the latest ones (1 for a rater never checked).
 */
final class RaterWeights implements AutoCloseable {
    private final Map<String, Double> latest = new ConcurrentHashMap<>();
    private final CompactedLog<RaterReliability> log;

    RaterWeights(String bootstrapServers) {
        log = new CompactedLog<>(bootstrapServers, "trainer-rater-reliability", Topics.RATER_RELIABILITY, RaterReliability.class,
                r -> latest.put(r.rater(), r.weight()), () -> {});
    }

    /**
     * The weight of each of {@code raters} for a batch: {@code recorded}'s where it recorded one (a
     * replay of its batch), else the latest, else 1 (a rater never checked).
     */
    Map<String, Double> forBatch(Collection<String> raters, ModelVersion recorded) {
        Map<String, Double> used = recorded == null ? Map.of() : recorded.trainedOn().raterWeights();
        Map<String, Double> weights = new TreeMap<>();
        for (String rater : raters) {
            Double weight = used.get(rater);
            if (weight == null) weight = latest.getOrDefault(rater, RaterReliability.unchecked(rater).weight());
            weights.put(rater, weight);
        }
        return weights;
    }

    /** The latest weight of {@code rater}, if the topic gave one. */
    java.util.Optional<Double> latest(String rater) {
        return java.util.Optional.ofNullable(latest.get(rater));
    }

    /** Whether the topic has been read to where it ended at the start (waits at most {@code timeout}). */
    boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return log.awaitLoaded(timeout);
    }

    @Override
    public void close() {
        log.stop();
    }
}
