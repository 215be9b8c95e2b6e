package dev.rlhfloop.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import dev.rlhfloop.feedback.streams.PartialStats;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the topology on one broker, each holding some partitions: either one answers
 * the statistics of all votes, taking the other's share over HTTP at its application.server, and
 * finds every comparison at the instance that keeps it (served here from the same StoreQueries the
 * service's InternalResource serves).
 */
class StatsAcrossInstancesKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static Path workDir;
    private static LocalKafka kafka;
    private static final List<AutoCloseable> running = new ArrayList<>();

    private record Instance(KafkaStreams streams, StoreQueries queries) {}

    @BeforeAll
    static void startBroker() throws Exception {
        workDir = Files.createTempDirectory("feedback-instances-test");
        kafka = LocalKafka.onFreePorts(workDir.resolve("broker")).start();
        kafka.createTopics(Topics.ALL);
    }

    @AfterAll
    static void stop() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) running.get(i).close();
        if (kafka != null) kafka.stop();
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** An instance as application.properties configures it, with its share served over HTTP at application.server. */
    private static Instance start(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String applicationServer = "127.0.0.1:" + server.getAddress().getPort();
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "feedback-instances-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.STATE_DIR_CONFIG, workDir.resolve(name).toString());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        KafkaStreams streams = new KafkaStreams(FeedbackTopology.build(), config);
        StoreQueries queries = new StoreQueries(streams, Duration.ofMinutes(60));
        server.createContext(StoreQueries.SHARE_PATH, exchange -> {
            byte[] body;
            int status = 200;
            try {
                body = Json.write(queries.share(java.util.Set.of()));
            } catch (StoreQueries.NotReadyException e) {
                status = 503;
                body = e.getMessage().getBytes();
            }
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext(StoreQueries.COMPARISON_PATH, exchange -> {
            String id = exchange.getRequestURI().getPath().substring(StoreQueries.COMPARISON_PATH.length());
            var state = queries.comparison(id);
            byte[] body = state.map(Json::write).orElse(new byte[0]);
            exchange.sendResponseHeaders(state.isPresent() ? 200 : 404, state.isPresent() ? body.length : -1);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        streams.start();
        running.add(() -> server.stop(0));
        running.add(() -> streams.close(StreamsLifecycle.LEAVE_GROUP));
        return new Instance(streams, queries);
    }

    private static PartialStats everywhere(Instance instance) {
        try {
            return instance.queries().everywhere(java.util.Set.of());
        } catch (StoreQueries.NotReadyException | IllegalStateException notNow) {
            return null;
        }
    }

    @Test
    void eitherInstanceAnswersForAllPartitions() throws Exception {
        Instance one = start("one");
        Instance two = start("two");
        KafkaTestClient.await("both instances running with partitions of their own", WAIT, () ->
                one.queries().ready() && two.queries().ready()
                        && one.streams().metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty())
                        && two.streams().metadataForLocalThreads().stream().anyMatch(t -> !t.activeTasks().isEmpty()));

        // Nine comparisons, spread by key over the three partitions; version i % 3 answers B.
        int comparisons = 9;
        for (int i = 0; i < comparisons; i++) {
            String id = "cmp-" + i;
            for (Slot slot : Slot.values()) {
                String version = slot == Slot.A ? "sft-0" : "dpo-" + (i % 3);
                KafkaTestClient.send(kafka.bootstrapServers(), Topics.GENERATIONS, id,
                        GenerationEvent.of(id + slot, id, slot, "p", new Answer("answer " + slot, List.of(1), version),
                                new Sampling(1, 0, 1, 8, 1), -1), GenerationEvent.class);
            }
            KafkaTestClient.send(kafka.bootstrapServers(), Topics.VOTES, id,
                    VoteEvent.of(id, i % 4 == 0 ? Choice.TIE : Choice.B, "rater-" + (i % 2), null, Instant.now()), VoteEvent.class);
        }

        for (Instance asked : List.of(one, two)) {
            KafkaTestClient.await("every vote in the statistics", WAIT, () -> {
                PartialStats all = everywhere(asked);
                // Totals and per-version counts travel through different repartition topics:
                // wait for both, or the per-version count may still lack the last vote.
                return all != null && all.totals().votes() == comparisons && all.byVersion().size() == 4
                        && all.byVersion().values().stream().mapToLong(v -> v.votes()).sum() == 2L * comparisons;
            });
            PartialStats all = everywhere(asked);
            assertEquals(comparisons, all.byVersion().get("sft-0").votes());
            for (String dpo : List.of("dpo-0", "dpo-1", "dpo-2")) assertEquals(3, all.byVersion().get(dpo).votes(), dpo);
            assertEquals(6, all.totals().decisiveVotes(), "cmp-0, cmp-4, cmp-8 are ties");
            assertEquals(2, all.totals().raters().size());
        }
        // Each comparison is found from either instance, from the one that keeps it; an unknown one is
        // unknown to its keeper (so a vote on it can be refused whichever instance takes the vote).
        int remote = 0;
        for (Instance asked : List.of(one, two)) {
            for (int i = 0; i < comparisons; i++) {
                StoreQueries.Lookup found = asked.queries().lookup("cmp-" + i);
                assertTrue(found.fromKeeper() && found.state().isPresent() && found.state().get().hasVoteFrom("rater-" + (i % 2)),
                        "cmp-" + i + ": " + found);
                if (asked.queries().comparison("cmp-" + i).isEmpty()) remote++;
            }
            StoreQueries.Lookup unknown = asked.queries().lookup("no-such-comparison");
            assertTrue(unknown.fromKeeper() && unknown.state().isEmpty(), unknown.toString());
        }
        assertTrue(remote > 0, "some comparisons were fetched from the other instance");

        // The statistics really are spread: each key on one instance, and at least one instance
        // (which answered for everything above) lacks part of them itself.
        PartialStats shareOne = one.queries().share(java.util.Set.of());
        PartialStats shareTwo = two.queries().share(java.util.Set.of());
        assertEquals(4, shareOne.byVersion().size() + shareTwo.byVersion().size(),
                "versions per instance: " + shareOne.byVersion().keySet() + " and " + shareTwo.byVersion().keySet());
        assertEquals(comparisons, shareOne.totals().votes() + shareTwo.totals().votes(), "the totals live on one instance");
        assertTrue(List.of(shareOne, shareTwo).stream().anyMatch(s -> s.byVersion().size() < 4 || s.totals().votes() == 0));
    }
}
