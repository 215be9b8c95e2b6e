package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import dev.rlhfloop.feedback.streams.StatsReport;
import dev.rlhfloop.feedback.streams.VersionStats;
import dev.rlhfloop.feedback.streams.VoteTotals;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Interactive queries over the topology's stores. One instance holds every partition; with
 * several instances each answers for its own partitions (application.server and forwarding of
 * queries to the owner are not set up yet).
 */
@ApplicationScoped
public class FeedbackStores {
    @Inject
    KafkaStreams streams;

    @ConfigProperty(name = "feedback.stats.baseline-version")
    Optional<String> configuredBaseline;

    @ConfigProperty(name = "feedback.stats.votes-per-minute-window", defaultValue = "60m")
    Duration votesPerMinuteWindow;

    /** True when the stores can answer queries (not while they are rebuilt or rebalanced). */
    public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /**
     * True when this instance processes the given partition of the votes and generations, so a
     * comparison of that partition missing from the store is unknown (with several instances,
     * another one may hold it).
     */
    public boolean ownsPartition(int partition) {
        return ready() && streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .anyMatch(tp -> tp.topic().equals(Topics.VOTES) && tp.partition() == partition);
    }

    /** What is known of a comparison: its answers and who voted. */
    public Optional<ComparisonState> comparison(String comparisonId) {
        return Optional.ofNullable(store(FeedbackTopology.COMPARISONS_STORE,
                QueryableStoreTypes.<String, ComparisonState>keyValueStore()).get(comparisonId));
    }

    public StatsReport stats() {
        Map<String, VersionStats> byVersion = new TreeMap<>();
        try (var all = store(FeedbackTopology.VERSION_STATS_STORE, QueryableStoreTypes.<String, VersionStats>keyValueStore()).all()) {
            all.forEachRemaining(kv -> byVersion.put(kv.key, kv.value));
        }
        List<ModelVersion> published = new ArrayList<>();
        try (var all = store(FeedbackTopology.MODEL_VERSIONS_STORE, QueryableStoreTypes.<String, ModelVersion>keyValueStore()).all()) {
            all.forEachRemaining(kv -> published.add(kv.value));
        }
        VoteTotals totals = store(FeedbackTopology.VOTE_TOTALS_STORE, QueryableStoreTypes.<String, VoteTotals>keyValueStore())
                .get(FeedbackTopology.ALL_VOTES);
        return StatsReport.of(totals == null ? VoteTotals.NONE : totals, byVersion,
                StatsReport.baseline(configuredBaseline, published), votesPerMinute());
    }

    private List<StatsReport.MinuteCount> votesPerMinute() {
        ReadOnlyWindowStore<String, Long> store = store(FeedbackTopology.VOTES_PER_MINUTE_STORE, QueryableStoreTypes.windowStore());
        Instant now = Instant.now();
        List<StatsReport.MinuteCount> counts = new ArrayList<>();
        try (var it = store.fetch(FeedbackTopology.ALL_VOTES, now.minus(votesPerMinuteWindow), now)) {
            it.forEachRemaining(kv -> counts.add(new StatsReport.MinuteCount(Instant.ofEpochMilli(kv.key), kv.value)));
        }
        return counts;
    }

    private <T> T store(String name, QueryableStoreType<T> type) {
        if (!ready()) {
            throw new NotReadyException("statistics are being rebuilt from Kafka (stream state " + streams.state() + "); try again shortly");
        }
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(name, type));
        } catch (InvalidStateStoreException e) {
            throw new NotReadyException("statistics are being rebuilt from Kafka; try again shortly");
        }
    }

    public static final class NotReadyException extends RuntimeException {
        NotReadyException(String message) {
            super(message, null, false, false);
        }
    }
}
