package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.InvalidEventException;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads the model registry ({@code rlhf.model-versions}, compacted) from the beginning: on start
 * it serves the latest version of the line, then hot-loads every version announced after that.
 * Each version is downloaded, checked against its sha256, loaded into a new model and swapped in;
 * a version that fails to load is logged and skipped, and the old one keeps serving.
 */
@ApplicationScoped
public class ModelVersionWatcher {
    private static final Logger LOG = Logger.getLogger(ModelVersionWatcher.class);

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    MeterRegistry meters;

    /** Its own credential for the trainer's weights (never a rater's or the admin's). */
    @Inject
    dev.rlhfloop.service.auth.Auth auth;

    private TopicTail tail;
    private MultiGauge served;

    void start(@Observes StartupEvent event) {
        served = MultiGauge.builder(OperatorMeter.MODEL_SERVED.meterName())
                .description("1 for each version served, by role (current, previous, baseline)").register(meters);
        config.modelDir().ifPresent(dir -> {
            try {
                serve(ServedModel.load(config.modelDirVersion(), dir));
                LOG.infof("serving model version %s from %s", config.modelDirVersion(), dir);
            } catch (IOException | RuntimeException e) {
                LOG.errorf("cannot serve the model directory %s (rlhf.inference.model-dir): %s", dir, e.getMessage());
                registry.waitingFor("the model directory " + dir + " (rlhf.inference.model-dir) cannot be loaded ("
                        + e.getMessage() + ") and no version has been published on rlhf.model-versions yet");
            }
        });
        tail = TopicTail.start(bootstrapServers, Topics.MODEL_VERSIONS, "inference-model-versions", TopicTail.From.BEGINNING,
                "no further versions will be hot-loaded", new TopicTail.Reader() {
                    @Override
                    public void started(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
                        catchUp(consumer, partitions);
                    }

                    @Override
                    public void record(ConsumerRecord<String, String> record) {
                        ModelVersion version = read(record);
                        if (version != null && isServed(version) && !isCurrent(version)) load(version).ifPresent(ModelVersionWatcher.this::serve);
                    }
                });
    }

    void stop(@Observes ShutdownEvent event) {
        if (tail != null) tail.close();
    }

    /** Reads everything published before the start and serves only what matters of it. */
    private void catchUp(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        List<ModelVersion> line = new ArrayList<>();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                ModelVersion version = read(record);
                if (version == null || !isServed(version)) continue;
                line.removeIf(v -> v.versionId().equals(version.versionId()));
                line.add(version);
            }
        }
        if (line.isEmpty()) return;
        ModelVersion latest = line.get(line.size() - 1);
        if (line.size() > 1 && config.compare() == CompareMode.LATEST_VS_PREVIOUS) {
            load(line.get(line.size() - 2)).ifPresent(this::serve);
        }
        java.util.Optional<ServedModel> loaded = load(latest);
        loaded.ifPresent(this::serve);
        if (config.compare() == CompareMode.LATEST_VS_BASELINE) {
            // the line's first version is the baseline, even when a local model directory was served before
            (line.size() > 1 ? load(line.get(0)) : loaded).ifPresent(model -> {
                registry.baseline(model);
                showServed();
            });
        }
    }

    private void serve(ServedModel model) {
        registry.serve(model);
        showServed();
    }

    private void showServed() {
        served.register(registry.versionsByRole().entrySet().stream()
                .map(role -> MultiGauge.Row.of(Tags.of("role", role.getKey(), "version", role.getValue()), 1))
                .toList(), true);
    }

    /** A repeated announcement (a producer retry, a re-publish) of the version already served. */
    private boolean isCurrent(ModelVersion version) {
        return registry.hasModel() && registry.current().versionId().equals(version.versionId());
    }

    private boolean isServed(ModelVersion version) {
        return config.modelLine().equals(version.modelLine());
    }

    private static ModelVersion read(ConsumerRecord<String, String> record) {
        if (record.value() == null) return null; // a tombstone: the version was withdrawn from the registry
        try {
            return Json.read(record.value(), ModelVersion.class);
        } catch (InvalidEventException e) {
            LOG.warnf("skipping an unreadable record at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return null;
        }
    }

    /** Downloads, checks and loads one version; empty (and one log line) when that fails. */
    java.util.Optional<ServedModel> load(ModelVersion version) {
        long start = System.nanoTime();
        String outcome = "rejected";
        Path dir = null;
        try {
            Files.createDirectories(config.downloadDir());
            dir = Files.createTempDirectory(config.downloadDir(), safe(version.versionId()) + "-");
            ModelDownload.fetch(version.weights().url(), version.weights().sha256(), dir, auth.serviceAuthorization());
            ServedModel model = ServedModel.load(version.versionId(), dir);
            LOG.infof("loaded model version %s (line %s, %s) in %d ms", version.versionId(), version.modelLine(),
                    version.algorithm(), (System.nanoTime() - start) / 1_000_000);
            outcome = "loaded";
            return java.util.Optional.of(model);
        } catch (IOException | RuntimeException e) {
            String serving = registry.hasModel() ? "still serving " + registry.current().versionId() : "no model to serve yet";
            LOG.errorf("rejected model version %s from %s: %s; %s", version.versionId(), version.weights().url(),
                    e.getMessage(), serving);
            return java.util.Optional.empty();
        } finally {
            if (dir != null) deleteRecursively(dir);
            Timer.builder(OperatorMeter.MODEL_LOAD.meterName())
                    .description("Downloading, checking and loading a published version, by outcome (loaded, rejected)")
                    .tag("outcome", outcome).register(meters)
                    .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private static String safe(String versionId) {
        return versionId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp dir is harmless
        }
    }
}
