package dev.rlhfloop.kafka.testing;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Starts a real broker on a free port for a Quarkus test, creates the project's topics and points
 * the service at it. Use {@code @QuarkusTestResource(LocalKafkaTestResource.class)} (or
 * {@code @WithTestResource}); a test field annotated {@link InjectLocalKafka} receives the broker,
 * so a test can stop and restart it.
 */
public class LocalKafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private Path workDir;
    private LocalKafka kafka;

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("rlhf-kafka-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        kafka = LocalKafka.onFreePorts(workDir.resolve("broker")).start();
        kafka.createTopics(Topics.ALL);
        String bootstrap = kafka.bootstrapServers();
        return Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "quarkus.kafka-streams.bootstrap-servers", bootstrap,
                // A stale Kafka Streams state dir gives wrong counts against a fresh broker.
                "kafka-streams.state.dir", workDir.resolve("streams-state").toString(),
                "quarkus.kafka.devservices.enabled", "false");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(kafka, new TestInjector.AnnotatedAndMatchesType(InjectLocalKafka.class, LocalKafka.class));
    }

    @Override
    public void stop() {
        if (kafka != null) kafka.stop();
        if (workDir != null) deleteRecursively(workDir);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }
}
