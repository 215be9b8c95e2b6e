package dev.rlhfloop.feedback;

import dev.rlhfloop.kafka.testing.KafkaTestClient;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import dev.rlhfloop.feedback.streams.HeadToHead;
import dev.rlhfloop.feedback.streams.VersionStats;
import dev.rlhfloop.kafka.LocalKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Statistics live in Kafka, not on the service's disk: a new instance with an empty state
 * directory rebuilds them from the changelogs, and still refuses a rater's repeated vote.
 */
class StatisticsSurviveRestartKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static Path workDir;
    private static LocalKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        workDir = Files.createTempDirectory("feedback-restart-test");
        kafka = LocalKafka.onFreePorts(workDir.resolve("broker")).start();
        kafka.createTopics(Topics.ALL);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (kafka != null) kafka.stop();
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The same settings as application.properties, on a fresh state directory. */
    private static KafkaStreams startStreams(String stateDir) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "feedback-restart-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.STATE_DIR_CONFIG, workDir.resolve(stateDir).toString());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        KafkaStreams streams = new KafkaStreams(FeedbackTopology.build(), config);
        streams.start();
        KafkaTestClient.await("streams running", WAIT, () -> streams.state() == KafkaStreams.State.RUNNING);
        return streams;
    }

    private static VersionStats stats(KafkaStreams streams, String version) {
        try {
            return streams.store(StoreQueryParameters.fromNameAndType(FeedbackTopology.VERSION_STATS_STORE,
                    QueryableStoreTypes.<String, VersionStats>keyValueStore())).get(version);
        } catch (RuntimeException notReadyYet) {
            return null;
        }
    }

    private static void vote(String comparisonId, Choice choice, String rater) {
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.VOTES, comparisonId,
                VoteEvent.of(comparisonId, choice, rater, null, Instant.now()), VoteEvent.class);
    }

    @Test
    void aNewInstanceRebuildsTheStatisticsFromKafka() {
        for (String comparisonId : List.of("c1", "c2")) {
            for (Slot slot : Slot.values()) {
                KafkaTestClient.send(kafka.bootstrapServers(), Topics.GENERATIONS, comparisonId,
                        GenerationEvent.of(comparisonId + slot, comparisonId, slot, "p",
                                new Answer("answer " + slot, List.of(1), slot == Slot.A ? "sft-0" : "dpo-1"),
                                new Sampling(1, 0, 1, 8, 1), -1), GenerationEvent.class);
            }
        }
        KafkaStreams first = startStreams("state-first");
        vote("c1", Choice.B, "alice");
        vote("c2", Choice.B, "alice");
        KafkaTestClient.await("two votes counted", WAIT, () -> {
            VersionStats s = stats(first, "dpo-1");
            return s != null && s.votes() == 2;
        });
        first.close(StreamsLifecycle.LEAVE_GROUP);

        KafkaStreams second = startStreams("state-second");
        try {
            KafkaTestClient.await("statistics restored", WAIT, () -> stats(second, "dpo-1") != null);
            assertEquals(new HeadToHead(2, 0, 0, 0), stats(second, "dpo-1").against("sft-0"));

            vote("c1", Choice.A, "alice"); // a repeat: the restored comparison store still knows alice
            vote("c1", Choice.A, "bob");
            KafkaTestClient.await("bob's vote counted", WAIT, () -> stats(second, "dpo-1").votes() == 3);
            KafkaTestClient.await("nothing else counted", Duration.ofSeconds(2), () -> true);
            assertEquals(new HeadToHead(2, 1, 0, 0), stats(second, "dpo-1").against("sft-0"));
        } finally {
            second.close(StreamsLifecycle.LEAVE_GROUP);
        }
    }
}
