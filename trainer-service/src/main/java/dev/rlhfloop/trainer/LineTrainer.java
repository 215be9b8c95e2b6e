package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The single writer of one model line: consumes preference pairs with the line's own consumer
 * group, and every {@code pairs-per-version} pairs (or {@code max-wait}) trains a new version from
 * the line's latest, checkpoints it together with the offsets it consumed, commits those offsets,
 * and publishes the version. On start it seeks to the offsets of its latest checkpoint, so a crash
 * between checkpoint and commit neither loses nor repeats a pair. A bounded line (a replay) stops
 * at its end offsets.
 */
final class LineTrainer implements Runnable {
    private static final Logger LOG = Logger.getLogger(LineTrainer.class);

    /** Where a line starts reading when its checkpoint says nothing, and where a bounded line stops. */
    interface Positions {
        /** The first offset to read per partition (null for the group's committed offset, else the beginning). */
        Map<TopicPartition, Long> start(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions);

        /** The offset to stop before, per partition; null for a live line that never stops. */
        Map<TopicPartition, Long> end(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions);
    }

    /** What a line trainer needs from the service. */
    record Context(TrainerConfig config, String bootstrapServers, ModelStore store, Publisher publisher,
                   TrainingStatus status, Lock compute, java.util.function.Consumer<ModelVersion> published,
                   Runnable stateChanged) {}

    private final Context context;
    private final String line;
    private final boolean live;
    private final ModelStore.Checkpoint sft;
    private final Positions positions;
    private final PolicyUpdate update;
    private volatile boolean running = true;
    private volatile boolean training;
    private volatile long consumed;
    private volatile long total = -1;
    private final List<String> versions = new java.util.concurrent.CopyOnWriteArrayList<>();
    private KafkaConsumer<String, byte[]> consumer;

    /** One pair read from the topic, where it was. */
    private record Pending(int partition, long offset, dev.rlhfloop.llm.rlhf.PreferencePair pair, long receivedNanos) {}

    /** {@code algorithm}: how this line's updates change the policy (DPO or RLOO). */
    LineTrainer(Context context, String line, boolean live, ModelStore.Checkpoint sft, Positions positions, Algorithm algorithm) {
        this.context = context;
        this.line = line;
        this.live = live;
        this.sft = sft;
        this.positions = positions;
        this.update = new PolicyUpdate(context.config(), algorithm);
    }

    String line() {
        return line;
    }

    Algorithm algorithm() {
        return update.algorithm();
    }

    long consumed() {
        return consumed;
    }

    /**
     * Pairs a bounded line will read in all; -1 until known or for a live line. While reading it is
     * the span of offsets, an upper bound (the pairs topic is transactional: commit markers take
     * offsets too); once the line has read its range it is the pairs actually read.
     */
    long total() {
        return total;
    }

    boolean stopped() {
        return !running;
    }

    boolean isTraining() {
        return training;
    }

    List<String> versions() {
        return List.copyOf(versions);
    }

    /**
     * Asks the loop to stop after the update it may be running (a poll lasts at most 200 ms; no
     * wakeup, which would break an offset commit between checkpoint and publish); join the thread to wait.
     */
    void stop() {
        running = false;
    }

    static String groupId(String line) {
        return "rlhf-trainer-" + line;
    }

    static String versionId(String line, boolean live, int number) {
        return live ? Integer.toString(number) : line + "-" + number;
    }

    static String offsetKey(TopicPartition tp) {
        return tp.topic() + ":" + tp.partition();
    }

    @Override
    public void run() {
        loop();
    }

    private void loop() {
        Tokenizer tokenizer = Models.tokenizer(sft.modelDir());
        Gpt reference = Models.load(sft.modelDir());
        Optional<ModelStore.Checkpoint> latest = context.store().latest(line);
        ModelStore.Checkpoint parent = latest.orElse(sft);
        boolean fromSft = parent.version().versionId().equals(sft.version().versionId());
        Gpt policy = fromSft ? reference.copy() : Models.load(parent.modelDir());
        RewardModel rewardModel = resumeRewardModel(reference, parent, fromSft);
        String parentVersion = parent.version().versionId();
        int number = latest.map(ModelStore.Checkpoint::number).orElse(sft.number());
        long votes = parent.version().trainedOn().votes();

        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, context.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, groupId(line),
                ConsumerConfig.CLIENT_ID_CONFIG, groupId(line),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = kafka;
            if (!running) return;
            List<TopicPartition> partitions = kafka.partitionsFor(Topics.PREFERENCE_PAIRS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            kafka.assign(partitions);
            Map<TopicPartition, Long> done = startOffsets(kafka, partitions, fromSft ? Map.of() : parent.version().trainedOn().offsets());
            done.forEach(kafka::seek);
            Map<TopicPartition, Long> end = positions.end(kafka, partitions);
            if (end != null) {
                long sum = 0;
                for (TopicPartition tp : partitions) sum += Math.max(0, end.get(tp) - done.get(tp));
                total = sum;
            }
            LOG.infof("line %s (%s) reads %s from %s%s", line, update.algorithm(), Topics.PREFERENCE_PAIRS, done,
                    end == null ? "" : " to " + end);

            List<Pending> pending = new ArrayList<>();
            int perVersion = context.config().pairsPerVersion();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (end != null && record.offset() >= end.get(tp)) continue;
                    consumed++;
                    readPair(record, tokenizer, policy.config().contextLength())
                            .ifPresent(pair -> pending.add(new Pending(record.partition(), record.offset(), pair, System.nanoTime())));
                }
                boolean finished = end != null && partitions.stream().allMatch(tp -> kafka.position(tp) >= end.get(tp));
                boolean waitedEnough = live && !pending.isEmpty()
                        && System.nanoTime() - pending.get(0).receivedNanos() >= context.config().maxWait().toNanos();
                while (running && (pending.size() >= perVersion || (!pending.isEmpty() && (waitedEnough || finished)))) {
                    List<Pending> batch = new ArrayList<>(pending.subList(0, Math.min(perVersion, pending.size())));
                    number++;
                    ModelVersion version = train(policy, rewardModel, reference, tokenizer, batch, number, parentVersion, done, votes);
                    pending.subList(0, batch.size()).clear();
                    done = offsetsOf(version);
                    votes = version.trainedOn().votes();
                    parentVersion = version.versionId();
                    waitedEnough = false;
                }
                if (finished && pending.isEmpty()) {
                    total = consumed;
                    if (consumed == 0 || versions.isEmpty()) LOG.infof("line %s: nothing to train on", line);
                    return;
                }
            }
        }
    }

    /** The reward model the parent checkpoint saved, so a restarted line trains on as one that never stopped. */
    private RewardModel resumeRewardModel(Gpt reference, ModelStore.Checkpoint parent, boolean fromSft) {
        if (fromSft) return update.newRewardModel(reference);
        Path saved = parent.rewardModelDir();
        try {
            if (Files.isDirectory(saved)) return RewardModel.load(saved);
            LOG.warnf("line %s: version %s has no reward model (%s); the next update starts a new one from the SFT model",
                    line, parent.version().versionId(), saved);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("line %s: cannot read the reward model of version %s (%s); the next update starts a new one from the SFT model",
                    line, parent.version().versionId(), e.getMessage());
        }
        return update.newRewardModel(reference);
    }

    private Optional<dev.rlhfloop.llm.rlhf.PreferencePair> readPair(ConsumerRecord<String, byte[]> record, Tokenizer tokenizer, int context) {
        if (record.value() == null) return Optional.empty();
        try {
            PreferencePair event = Json.read(record.value(), PreferencePair.class);
            Optional<dev.rlhfloop.llm.rlhf.PreferencePair> pair = PolicyUpdate.encode(event, tokenizer, context);
            if (pair.isEmpty()) LOG.warnf("line %s skips pair %s (partition %d, offset %d): empty, identical or unknown tokens",
                    line, event.comparisonId(), record.partition(), record.offset());
            return pair;
        } catch (RuntimeException e) {
            LOG.warnf("line %s skips an unreadable pair at partition %d, offset %d: %s", line, record.partition(), record.offset(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The checkpoint's offsets where it has them, else the group's committed offset, else the line's start. */
    private Map<TopicPartition, Long> startOffsets(KafkaConsumer<String, byte[]> kafka, List<TopicPartition> partitions,
                                                   Map<String, Long> stored) {
        Map<TopicPartition, Long> start = positions.start(kafka, partitions);
        Map<TopicPartition, OffsetAndMetadata> committed = start == null ? kafka.committed(new java.util.HashSet<>(partitions)) : Map.of();
        Map<TopicPartition, Long> beginning = kafka.beginningOffsets(partitions);
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(offsetKey(tp));
            if (offset == null && start != null) offset = start.get(tp);
            if (offset == null && committed.get(tp) != null) offset = committed.get(tp).offset();
            if (offset == null) offset = beginning.get(tp);
            offsets.put(tp, offset);
        }
        return offsets;
    }

    private static Map<TopicPartition, Long> offsetsOf(ModelVersion version) {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        version.trainedOn().offsets().forEach((key, offset) -> {
            int colon = key.lastIndexOf(':');
            offsets.put(new TopicPartition(key.substring(0, colon), Integer.parseInt(key.substring(colon + 1))), offset);
        });
        return offsets;
    }

    /** Trains, checkpoints, commits the offsets and publishes one version; in that order. */
    private ModelVersion train(Gpt policy, RewardModel rewardModel, Gpt reference, Tokenizer tokenizer, List<Pending> batch, int number,
                               String parentVersion, Map<TopicPartition, Long> before, long votesBefore) {
        // The pairs in a canonical order, so the weights do not depend on how partitions interleaved in polls.
        batch.sort(Comparator.comparingInt(Pending::partition).thenComparingLong(Pending::offset));
        Map<TopicPartition, Long> after = new LinkedHashMap<>(before);
        for (Pending p : batch) after.merge(new TopicPartition(Topics.PREFERENCE_PAIRS, p.partition()), p.offset() + 1, Math::max);
        String versionId = versionId(line, live, number);
        long seed = context.config().seed() * 1_000_003L + number;

        context.compute().lock();
        training = true;
        long updateStarted = System.nanoTime();
        context.stateChanged().run();
        try {
            long t0 = System.nanoTime();
            context.status().progress(line, live, update.algorithm(), 0, 0, null, Map.of(),
                    "training " + versionId + " on " + batch.size() + " pairs");
            Map<String, Double> metrics = update.run(policy, reference, rewardModel, batch.stream().map(Pending::pair).toList(),
                    tokenizer.endOfTextId(), seed,
                    (stage, step, total, loss) -> context.status().progress(line, live, stage, step, total, loss, Map.of(), null));
            Path staged = context.store().staging(line, number);
            Path modelDir = staged.resolve(ModelStore.MODEL_DIR);
            // No version or line in the file's metadata: a replay's weights must be the same bytes as the live line's.
            GptCheckpoint.save(policy, modelDir);
            Files.copy(sft.modelDir().resolve(Models.TOKENIZER_FILE), modelDir.resolve(Models.TOKENIZER_FILE));
            String sha256 = Models.archive(modelDir, staged.resolve(ModelStore.ARCHIVE_FILE));
            rewardModel.save(staged.resolve(ModelStore.REWARD_MODEL_DIR));
            Map<String, Long> offsets = new LinkedHashMap<>();
            after.forEach((tp, offset) -> offsets.put(offsetKey(tp), offset));
            ModelVersion version = new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, line, parentVersion, update.algorithm(),
                    new ModelVersion.TrainedOn(votesBefore + batch.size(), batch.size(), offsets), metrics,
                    new ModelVersion.Weights(Models.weightsUrl(context.config(), versionId), sha256), Instant.now());
            context.store().commit(staged, number, version);

            Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
            after.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset, versionId)));
            consumer.commitSync(commit);

            context.published().accept(version);
            versions.add(versionId);
            LOG.infof("line %s published %s (%s on %d pairs, %.1f s): %s", line, versionId, update.algorithm(), batch.size(),
                    (System.nanoTime() - t0) / 1e9, metrics);
            context.status().progress(line, live, update.algorithm(), 1, 1, metrics.get(update.lossMetric()), metrics,
                    "published " + versionId);
            return version;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot checkpoint " + versionId + " of line " + line, e);
        } finally {
            training = false;
            context.status().updateTook(update.algorithm(), System.nanoTime() - updateStarted);
            context.compute().unlock();
            context.stateChanged().run();
        }
    }
}
