package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.api.Stats;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import dev.rlhfloop.feedback.streams.PartialStats;
import dev.rlhfloop.feedback.streams.RaterQualityStats;
import dev.rlhfloop.feedback.streams.RaterQualityTopology;
import dev.rlhfloop.feedback.streams.RaterShare;
import dev.rlhfloop.feedback.streams.VersionStats;
import dev.rlhfloop.feedback.streams.VoteTotals;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * Interactive queries over the topology's stores, across instances. Each instance holds the
 * partitions Kafka Streams assigned it; the statistics are the union of every instance's share,
 * fetched from the others at the address they advertise (application.server) under
 * {@value #SHARE_PATH}. Framework-free, so that tests can run several instances in one JVM.
 */
public final class StoreQueries {
    public static final String SHARE_PATH = "/internal/stats/share";
    /** Followed by a comparison id: what the instance that keeps it knows of it (404 when nothing). */
    public static final String COMPARISON_PATH = "/internal/comparisons/";

    /**
     * What is known of a comparison, and whether the instance that keeps its partition said so
     * (then an empty state means unknown; otherwise the keeper could not be asked).
     */
    public record Lookup(Optional<ComparisonState> state, boolean fromKeeper) {
        static final Lookup NOT_ASKED = new Lookup(Optional.empty(), false);
    }

    private final KafkaStreams streams;
    private final Duration votesPerMinuteWindow;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public StoreQueries(KafkaStreams streams, Duration votesPerMinuteWindow) {
        this.streams = streams;
        this.votesPerMinuteWindow = votesPerMinuteWindow;
    }

    /** True when the stores can answer queries (not while they are rebuilt or rebalanced). */
    public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    /** True when this instance processes the given partition of the votes and generations. */
    public boolean ownsPartition(int partition) {
        return ready() && localPartitions().contains(new TopicPartition(Topics.VOTES, partition));
    }

    /** The input partitions this instance's stream threads process. */
    private Set<TopicPartition> localPartitions() {
        return streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .collect(Collectors.toSet());
    }

    /** What this instance knows of a comparison: its answers and who voted. */
    public Optional<ComparisonState> comparison(String comparisonId) {
        var comparisons = store(FeedbackTopology.COMPARISONS_STORE, QueryableStoreTypes.<String, ComparisonState>keyValueStore());
        try {
            return Optional.ofNullable(comparisons.get(comparisonId));
        } catch (InvalidStateStoreException e) {
            // a rebalance between finding the store and reading it ("may have migrated"): not ready, never a 500
            throw new NotReadyException("statistics are being rebuilt from Kafka; try again shortly");
        }
    }

    /** What the instance that keeps the comparison's partition knows of it: this one, or another over HTTP. */
    public Lookup lookup(String comparisonId) {
        if (!ready()) return Lookup.NOT_ASKED;
        KeyQueryMetadata where = streams.queryMetadataForKey(FeedbackTopology.COMPARISONS_STORE, comparisonId,
                Serdes.String().serializer());
        if (where == null || where.equals(KeyQueryMetadata.NOT_AVAILABLE)) return Lookup.NOT_ASKED;
        if (ownsPartition(where.partition())) return new Lookup(comparison(comparisonId), true);
        HostInfo keeper = where.activeHost();
        if (keeper.port() <= 0) return Lookup.NOT_ASKED;
        try {
            HttpResponse<String> r = get(keeper, COMPARISON_PATH
                    + URLEncoder.encode(comparisonId, StandardCharsets.UTF_8).replace("+", "%20"));
            if (r.statusCode() == 404) return new Lookup(Optional.empty(), true);
            if (r.statusCode() != 200) return Lookup.NOT_ASKED;
            return new Lookup(Optional.of(Json.read(r.body(), ComparisonState.class)), true);
        } catch (IOException e) {
            return Lookup.NOT_ASKED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Lookup.NOT_ASKED;
        }
    }

    /** Every published model version (a global table: every instance has all of it). */
    public List<ModelVersion> published() {
        List<ModelVersion> published = new ArrayList<>();
        try (var all = store(FeedbackTopology.MODEL_VERSIONS_STORE, QueryableStoreTypes.<String, ModelVersion>keyValueStore()).all()) {
            all.forEachRemaining(kv -> published.add(kv.value));
        }
        return published;
    }

    /** This instance's share of the statistics, with the shares it holds of the {@code forgotten} raters. */
    public PartialStats share(Set<String> forgotten) {
        Map<String, VersionStats> byVersion = new TreeMap<>();
        try (var all = store(FeedbackTopology.VERSION_STATS_STORE, QueryableStoreTypes.<String, VersionStats>keyValueStore()).all()) {
            all.forEachRemaining(kv -> byVersion.put(kv.key, kv.value));
        }
        VoteTotals totals = store(FeedbackTopology.VOTE_TOTALS_STORE, QueryableStoreTypes.<String, VoteTotals>keyValueStore())
                .get(FeedbackTopology.ALL_VOTES);
        ReadOnlyWindowStore<String, Long> perMinute = store(FeedbackTopology.VOTES_PER_MINUTE_STORE, QueryableStoreTypes.windowStore());
        Instant now = Instant.now();
        List<Stats.MinuteCount> counts = new ArrayList<>();
        try (var it = perMinute.fetch(FeedbackTopology.ALL_VOTES, now.minus(votesPerMinuteWindow), now)) {
            it.forEachRemaining(kv -> counts.add(new Stats.MinuteCount(Instant.ofEpochMilli(kv.key), kv.value)));
        }
        RaterQualityStats raterQuality = store(RaterQualityTopology.RATER_QUALITY_STORE,
                QueryableStoreTypes.<String, RaterQualityStats>keyValueStore()).get(FeedbackTopology.ALL_VOTES);
        Map<String, RaterShare> shares = new TreeMap<>();
        if (!forgotten.isEmpty()) {
            var byRater = store(FeedbackTopology.RATER_SHARES_STORE, QueryableStoreTypes.<String, RaterShare>keyValueStore());
            for (String rater : forgotten) {
                RaterShare share = byRater.get(rater);
                if (share != null) shares.put(rater, share);
            }
        }
        return new PartialStats(byVersion, totals, counts, raterQuality, shares);
    }

    /** The statistics of the whole topology: this instance's share and every other instance's (each with its forgotten raters' shares). */
    public PartialStats everywhere(Set<String> forgotten) {
        List<PartialStats> shares = new ArrayList<>();
        shares.add(share(forgotten));
        for (HostInfo other : others()) shares.add(shareOf(other));
        return PartialStats.union(shares);
    }

    /**
     * The other instances that hold partitions, at the address they advertise. This instance is
     * told apart by its partitions, not by its configured address (which may not match what it
     * advertises, e.g. on a test's random port).
     */
    List<HostInfo> others() {
        Set<TopicPartition> mine = localPartitions();
        List<StreamsMetadata> holders = streams.metadataForAllStreamsClients().stream()
                .filter(m -> !m.topicPartitions().isEmpty() && Collections.disjoint(m.topicPartitions(), mine))
                .toList();
        List<HostInfo> unreachable = holders.stream().map(StreamsMetadata::hostInfo).filter(h -> h.port() <= 0).toList();
        if (!unreachable.isEmpty()) {
            throw new NotReadyException("statistics are spread over several instances, but they advertise no address "
                    + "to be asked at (set quarkus.kafka-streams.application-server)");
        }
        return holders.stream().map(StreamsMetadata::hostInfo).distinct().toList();
    }

    private PartialStats shareOf(HostInfo host) {
        try {
            HttpResponse<String> r = get(host, SHARE_PATH);
            if (r.statusCode() != 200) {
                throw new NotReadyException("the feedback instance at " + host.host() + ":" + host.port()
                        + " cannot give its statistics yet (HTTP " + r.statusCode() + "); try again shortly");
            }
            return Json.read(r.body(), PartialStats.class);
        } catch (IOException e) {
            throw new NotReadyException("the feedback instance at " + host.host() + ":" + host.port()
                    + " holding part of the statistics is unreachable (" + e.getMessage() + "); try again shortly");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReadyException("interrupted");
        }
    }

    /** Asks another instance at the address it advertises. */
    private HttpResponse<String> get(HostInfo host, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
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

    /** The stores cannot answer now (rebuilding, rebalancing, another instance unreachable): a 503 with this reason. */
    public static final class NotReadyException extends RuntimeException {
        NotReadyException(String message) {
            super(message, null, false, false);
        }
    }
}
