package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.InvalidEventException;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.rlhf.RewardModel;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Reads the model registry ({@code rlhf.model-versions}, compacted) from the beginning: on start
 * it loads the line's baseline and its last {@value ModelRegistry#RECENT_VERSIONS} versions, then
 * hot-loads every version announced after that. Each version is downloaded, checked against its
 * sha256, loaded into a new model and swapped in; a version that fails to load is logged and
 * skipped, and the old one keeps serving. A LoRA version (its weights an adapter over a base
 * version, usually the line's SFT model) is loaded over the resident base's weights, which are
 * shared, not read again; a base that is not resident is loaded once and kept.
 */
@ApplicationScoped
public class ModelVersionWatcher {
    private static final Logger LOG = Logger.getLogger(ModelVersionWatcher.class);

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    RewardModels rewardModels;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    MeterRegistry meters;

    @Inject
    ServedLines servedLines;

    /** Its own credential for the trainer's weights (never a rater's or the admin's). */
    @Inject
    dev.rlhfloop.service.auth.Auth auth;

    private TopicTail tail;
    private MultiGauge served;
    /** Every version of the served line read so far, by id: where an adapter's base is found. */
    private final Map<String, ModelVersion> known = new ConcurrentHashMap<>();
    /** Whole models loaded as an adapter's base; kept, since every version of a LoRA line adapts the same one. */
    private final Map<String, ServedModel> bases = new ConcurrentHashMap<>();

    private dev.rlhfloop.llm.tensor.WeightFormat weightFormat() {
        try {
            return dev.rlhfloop.llm.tensor.WeightFormat.parse(config.weights());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rlhf.inference.weights: " + e.getMessage(), e);
        }
    }

    void start(@Observes StartupEvent event) {
        weightFormat(); // a bad rlhf.inference.weights stops the start with its reason
        served = MultiGauge.builder(OperatorMeter.MODEL_SERVED.meterName())
                .description("1 for each version served, by role (current, previous, baseline)").register(meters);
        config.modelDir().ifPresent(dir -> {
            try {
                serve(ServedModel.load(config.modelDirVersion(), dir, weightFormat()));
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
                        if (version != null && !isServed(version)) servedLines.announced(version);
                        if (version == null || !isServed(version)) return;
                        known.put(version.versionId(), version);
                        // a repeated announcement (a producer retry, a re-publish) of a version already resident is not loaded again
                        if (registry.find(version.versionId()).isEmpty()) {
                            load(version, record.timestamp()).ifPresent(model -> {
                                serve(model);
                                if (!version.rewardModelFollows()) loadRewardModel(version);
                            });
                        } else if (version.rewardModel() == ModelVersion.RewardModelState.PUBLISHED
                                && !rewardModels.latest().map(r -> r.versionId().equals(version.versionId())).orElse(false)) {
                            // the entry that says the reward model trained after the weights' announcement is published
                            loadRewardModel(version);
                        }
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
                if (version != null && !isServed(version)) servedLines.announced(version);
                if (version == null || !isServed(version)) continue;
                // a later entry of a version (its reward model published) takes its place, not the newest one's
                int at = indexOf(line, version.versionId());
                if (at >= 0) line.set(at, version);
                else line.add(version);
                known.put(version.versionId(), version);
            }
        }
        if (line.isEmpty()) return;
        if (config.compare() == CompareMode.LATEST_VS_BASELINE) {
            // the line's first version is the baseline, even when a local model directory was served before;
            // loaded first, so that adapters over it share its weights
            load(line.get(0)).ifPresent(registry::baseline);
        }
        for (ModelVersion version : line.subList(Math.max(0, line.size() - ModelRegistry.RECENT_VERSIONS), line.size())) {
            load(version).ifPresent(this::serve);
        }
        // the newest reward model published: the newest version's may still be training
        line.stream().filter(v -> !v.rewardModelFollows()).reduce((a, b) -> b).ifPresent(this::loadRewardModel);
    }

    private static int indexOf(List<ModelVersion> versions, String versionId) {
        for (int i = 0; i < versions.size(); i++) {
            if (versions.get(i).versionId().equals(versionId)) return i;
        }
        return -1;
    }

    /**
     * The reward model published beside {@code version}'s weights, made the latest, when answers are
     * chosen by one ({@link RewardModels#wanted}); a version without one (the SFT model) leaves
     * answers sampled once until a version has one. A version announced before its reward model
     * (DPO, KTO: {@link ModelVersion#rewardModelFollows}) is served with the previous version's until
     * the entry saying its own is published arrives. A reward model that fails to load is logged and
     * the previous one stays.
     */
    void loadRewardModel(ModelVersion version) {
        if (!rewardModels.wanted()) return;
        String url = rewardModelUrl(version.weights().url());
        if (url == null) return;
        long start = System.nanoTime();
        Path dir = null;
        try {
            Files.createDirectories(config.downloadDir());
            dir = Files.createTempDirectory(config.downloadDir(), safe(version.versionId()) + "-reward-");
            if (!ModelDownload.fetchIfPresent(url, dir, RewardModel.ARCHIVE_FILES, auth.serviceAuthorization())) {
                LOG.infof("version %s has no reward model at %s%s", version.versionId(), url,
                        rewardModels.latest().map(r -> ": answers are still chosen by version " + r.versionId() + "'s").orElse(""));
                return;
            }
            rewardModels.serve(version.versionId(), RewardModel.load(dir));
            LOG.infof("loaded the reward model of version %s in %d ms", version.versionId(), (System.nanoTime() - start) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("cannot load the reward model of version %s from %s: %s", version.versionId(), url, e.getMessage());
        } finally {
            if (dir != null) deleteRecursively(dir);
        }
    }

    /**
     * Where a version's reward model is published: beside its weights, {@code .../weights} →
     * {@code .../reward-model} (the trainer's API) or {@code .../weights.zip} → {@code .../reward-model.zip}
     * (a version directory); null for weights published elsewhere.
     */
    static String rewardModelUrl(String weightsUrl) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("/weights(\\.zip)?$").matcher(weightsUrl);
        return m.find() ? weightsUrl.substring(0, m.start()) + "/reward-model" + (m.group(1) == null ? "" : m.group(1)) : null;
    }

    private void serve(ServedModel model) {
        registry.serve(model);
        showServed();
    }

    void showServed() {
        served.register(registry.versionsByRole().entrySet().stream()
                .map(role -> MultiGauge.Row.of(Tags.of("role", role.getKey(), "version", role.getValue()), 1))
                .toList(), true);
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

    /** Downloads, checks and loads one version (unless it is resident already); empty (and one log line) when that fails. */
    java.util.Optional<ServedModel> load(ModelVersion version) {
        return load(version, -1);
    }

    /**
     * As {@link #load(ModelVersion)}; {@code announcedAtMillis} (the registry record's time, -1 when
     * unknown) says in the log line how long the announcement took to reach this service.
     */
    java.util.Optional<ServedModel> load(ModelVersion version, long announcedAtMillis) {
        java.util.Optional<ServedModel> resident = registry.find(version.versionId())
                .or(() -> java.util.Optional.ofNullable(bases.get(version.versionId())));
        if (resident.isPresent()) return resident;
        long start = System.nanoTime();
        long noticedAfterMillis = announcedAtMillis < 0 ? -1 : Math.max(0, System.currentTimeMillis() - announcedAtMillis);
        String outcome = "rejected";
        Path dir = null;
        try {
            Files.createDirectories(config.downloadDir());
            dir = Files.createTempDirectory(config.downloadDir(), safe(version.versionId()) + "-");
            ServedModel model;
            long fetched;
            if (version.weights().isAdapter()) {
                ServedModel base = base(version.weights().baseVersion());
                ModelDownload.fetch(version.weights().url(), version.weights().sha256(), dir, true, auth.serviceAuthorization());
                fetched = System.nanoTime();
                model = ServedModel.adapter(version.versionId(), base, dir);
            } else {
                ModelDownload.fetch(version.weights().url(), version.weights().sha256(), dir, false, auth.serviceAuthorization());
                fetched = System.nanoTime();
                model = ServedModel.load(version.versionId(), dir, weightFormat());
            }
            long done = System.nanoTime();
            // one line per version for operators; ./bench UpdateToServing reads it
            LOG.infof("loaded model version %s (line %s, %s, %s) in %d ms: fetched in %d ms (download, sha256, unpack), loaded in %d ms%s",
                    version.versionId(), version.modelLine(), version.algorithm(),
                    version.weights().isAdapter() ? "adapter over " + version.weights().baseVersion() : "whole weights",
                    (done - start) / 1_000_000, (fetched - start) / 1_000_000, (done - fetched) / 1_000_000,
                    noticedAfterMillis < 0 ? "" : "; started " + noticedAfterMillis + " ms after its announcement");
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

    /** A version of the served line by id (the admin's pin): resident, or loaded now; empty while it is not on the registry yet or fails to load. */
    java.util.Optional<ServedModel> loadKnown(String versionId) {
        ModelVersion version = known.get(versionId);
        return version == null ? registry.find(versionId) : load(version);
    }

    /** The whole model an adapter adapts: resident, or loaded now from its announcement and kept. */
    private ServedModel base(String versionId) throws IOException {
        java.util.Optional<ServedModel> resident = registry.find(versionId).or(() -> java.util.Optional.ofNullable(bases.get(versionId)));
        if (resident.isPresent()) return resident.get();
        ModelVersion version = known.get(versionId);
        if (version == null) throw new IOException("its base version " + versionId + " is not on the registry");
        if (version.weights().isAdapter()) throw new IOException("its base version " + versionId + " is itself an adapter");
        ServedModel base = load(version).orElseThrow(() -> new IOException("its base version " + versionId + " cannot be loaded"));
        bases.put(versionId, base);
        return base;
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
