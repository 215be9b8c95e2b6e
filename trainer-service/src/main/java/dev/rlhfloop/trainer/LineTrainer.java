package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.Engine;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.ValueModel;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
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
 * group and cuts them into batches in the log's one order ({@link PendingPairs}): the first
 * {@code pairs-per-version} pairs once it has read every partition to its end, or what it has when
 * the oldest waiting pair has waited {@code max-wait}. Each batch trains a new version from the
 * line's latest, which is checkpointed with the batch's exact per-partition offset range, then the
 * offsets are committed and the version published. On start it seeks to the offsets of its latest
 * checkpoint, so a crash between checkpoint and commit neither loses nor repeats a pair.
 * A bounded line (a replay) stops at its end offsets; where it stands at the start of a version it
 * follows ({@code recorded}: the live line's), it takes exactly that version's range, so it rebuilds
 * batches that were cut by time too; elsewhere it cuts its own as the live line would with
 * everything read.
 * A KTO line also reads the thumbs topic (answers rated alone) with the same consumer: its records
 * merge into the same order, its offsets are recorded beside the pairs', and a replay takes them alike.
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
                   Runnable stateChanged, java.util.function.Consumer<String> fence,
                   java.util.function.Predicate<String> paused, ForgottenRaters forgotten, RaterWeights raterWeights) {}

    /**
     * A version this line published and, for a replay, the recorded version whose batch it took;
     * {@code sameFiles}: its archive holds the same files as the recorded one's though their digests
     * differ (one packed deflated, as archives were before they were stored).
     */
    record Built(ModelVersion version, ModelVersion rebuilds, boolean sameFiles) {}

    /** One batch: its records in the log's order, what ended it, and the recorded version it repeats (or null). */
    private record Batch(List<PendingPairs.Pending> records, ModelVersion.Cut cut, ModelVersion rebuilds) {}

    private final Context context;
    private final String line;
    private final boolean live;
    private final ModelStore.Checkpoint sft;
    private final ModelStore.Checkpoint parent;
    private final Positions positions;
    private final Supplier<List<ModelVersion>> recorded;
    /** The line's update; its SFT examples are read at the start of the loop, with the tokenizer. */
    private PolicyUpdate update;
    private final Algorithm algorithm;
    private volatile boolean running = true;
    private volatile boolean training;
    private volatile long consumed;
    private volatile long total = -1;
    private final List<Built> built = new java.util.concurrent.CopyOnWriteArrayList<>();
    private KafkaConsumer<String, byte[]> consumer;
    /** The prompts online pairs draw fresh ones from (TrainerUpdate.onlinePool), built at the first update. */
    private List<int[]> onlinePool;

    /**
     * {@code parent}: the version a new line starts from (a line that has checkpoints resumes from
     * its latest instead); {@code recorded}: the versions whose batches a replay follows (null for the
     * live line); {@code algorithm}: how this line's updates change the policy (DPO, RLOO, PPO, GRPO or KTO).
     */
    LineTrainer(Context context, String line, boolean live, ModelStore.Checkpoint sft, ModelStore.Checkpoint parent, Positions positions,
                Supplier<List<ModelVersion>> recorded, Algorithm algorithm) {
        this.context = context;
        this.line = line;
        this.live = live;
        this.sft = sft;
        this.parent = parent;
        this.positions = positions;
        this.recorded = recorded;
        this.update = new PolicyUpdate(TrainerUpdate.settings(context.config()).with(s -> s.algorithm = TrainerUpdate.policyAlgorithm(algorithm)
                .orElseThrow(() -> new IllegalArgumentException(algorithm + " is no policy update"))));
        this.algorithm = algorithm;
    }

    String line() {
        return line;
    }

    Algorithm algorithm() {
        return algorithm;
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
        return built.stream().map(b -> b.version().versionId()).toList();
    }

    List<Built> built() {
        return List.copyOf(built);
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
        update = new PolicyUpdate(update.settings(), sftInstructions(tokenizer));
        Gpt reference = Models.load(sft.modelDir());
        Optional<ModelStore.Checkpoint> latest = context.store().latest(line);
        if (latest.isPresent() && latest.get().version().rewardModelFollows()) latest = Optional.of(finishRewardModel(latest.get(), reference));
        ModelStore.Checkpoint from = latest.orElse(parent);
        boolean fromSft = isSft(from);
        Gpt policy = startingPolicy(reference, from, fromSft);
        RewardModel rewardModel = resumeRewardModel(reference, from, fromSft);
        ValueModel critic = update.algorithm() == PolicyAlgorithm.PPO ? resumeCritic(rewardModel, from, fromSft) : null;
        String parentVersion = from.version().versionId();
        int number = from.number();
        long votes = from.version().trainedOn().votes();

        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, context.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, groupId(line),
                ConsumerConfig.CLIENT_ID_CONFIG, groupId(line),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // A fetch parked at the broker is not answered when a transaction's commit makes its pairs
                // readable: the batch's last pair waited for the default 500 ms to run out before the cut.
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50));
        warmUpOnce();
        try {
            // A line that read pairs before it knows who was forgotten would train on them.
            while (!context.forgotten().awaitLoaded(Duration.ofSeconds(10))) {
                if (!running) return;
                LOG.infof("line %s waits for %s to be read", line, Topics.RATERS);
            }
            // A line that weighs pairs before it knows the raters' reliability would weigh them all 1.
            while (update.settings().weighByReliability() && !context.raterWeights().awaitLoaded(Duration.ofSeconds(10))) {
                if (!running) return;
                LOG.infof("line %s waits for %s to be read", line, Topics.RATER_RELIABILITY);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // A plain consumer, not a channel: its position comes from the checkpoint and its commits follow the checkpoint.
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = kafka;
            if (!running) return;
            List<TopicPartition> partitions = topics().stream()
                    .flatMap(topic -> kafka.partitionsFor(topic, Duration.ofSeconds(30)).stream())
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition)).toList();
            kafka.assign(partitions);
            Map<TopicPartition, Long> beginning = kafka.beginningOffsets(partitions);
            // Only the line's own checkpoint says where to resume; a new line starts where it was asked to, whatever its parent read.
            Map<TopicPartition, Long> done = startOffsets(kafka, partitions,
                    latest.map(c -> c.version().trainedOn().offsets()).orElse(Map.of()));
            done.forEach(kafka::seek);
            Map<TopicPartition, Long> end = positions.end(kafka, partitions);
            if (end != null) {
                long sum = 0;
                for (TopicPartition tp : partitions) sum += Math.max(0, end.get(tp) - done.get(tp));
                total = sum;
            }
            LOG.infof("line %s (%s) reads %s from %s%s, starting from version %s", line, algorithm, topics(), done,
                    end == null ? "" : " to " + end, parentVersion);

            PendingPairs pending = new PendingPairs(partitions);
            while (running) {
                if (context.paused().test(line)) {
                    waitWhilePaused();
                    continue;
                }
                for (ConsumerRecord<String, byte[]> record : kafka.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                    if (end != null && record.offset() >= end.get(tp)) continue;
                    consumed++;
                    PendingPairs.Pending read = read(record, tokenizer, policy.config().contextLength());
                    pending.add(read);
                    prepare(read, reference, tokenizer);
                }
                boolean finished = end != null && partitions.stream().allMatch(tp -> kafka.position(tp) >= end.get(tp));
                while (running) {
                    Optional<Batch> batch = nextBatch(kafka, partitions, pending, done, beginning, end, finished);
                    if (batch.isEmpty()) break;
                    number++;
                    ModelVersion version = train(policy, rewardModel, critic, reference, tokenizer, batch.get(), number, parentVersion, done,
                            votes);
                    done = offsetsOf(version);
                    votes = version.trainedOn().votes();
                    parentVersion = version.versionId();
                }
                if (finished && pending.trainable() == 0) {
                    total = consumed;
                    if (consumed == 0 || built.isEmpty()) LOG.infof("line %s: nothing to train on", line);
                    return;
                }
            }
        }
    }

    /** Whether this JVM's kernels were warmed up: once is enough for every line it trains. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARMED_UP = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * The first line of this trainer runs {@code rlhf.trainer.warm-up-rounds} updates of a tiny model
     * before it reads pairs: a fresh JVM's first updates compile the kernels as they go.
     */
    private void warmUpOnce() {
        int rounds = context.config().warmUpRounds();
        if (rounds <= 0 || !WARMED_UP.compareAndSet(false, true)) return;
        context.compute().lock();
        try {
            LOG.infof("line %s: the update's code warmed up in %.1f s (%d %s updates of a tiny model)", line, update.warmUp(rounds), rounds,
                    update.algorithm());
        } finally {
            context.compute().unlock();
        }
    }

    /**
     * What the update will need of a pair and can have before its batch is complete (DPO's reference
     * log-probabilities), computed as the pair arrives: off the clock from the vote that completes a
     * batch to its version. The update trains the same weights either way.
     */
    private void prepare(PendingPairs.Pending read, Gpt reference, Tokenizer tokenizer) {
        if (read.pair().isEmpty()) return;
        context.compute().lock();
        try {
            update.prepare(reference, read.pair().get(), tokenizer.endOfTextId());
        } finally {
            context.compute().unlock();
        }
    }

    /** What the line reads: the pairs, and for KTO the thumbs on single answers too. */
    private List<String> topics() {
        return update.algorithm() == PolicyAlgorithm.KTO ? List.of(Topics.PREFERENCE_PAIRS, Topics.THUMBS) : List.of(Topics.PREFERENCE_PAIRS);
    }

    /**
     * A paused line neither reads nor cuts: its pairs wait on the log (the consumer lag shows them)
     * and it goes on from its position when resumed. Not polling is safe: the consumer is assigned,
     * not a group member that could be timed out.
     */
    private void waitWhilePaused() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /**
     * The next batch, if one is due: a recorded version's exact range where this line stands at its
     * start (once read); else the first pairs-per-version pairs in the log's order, once every
     * partition is read to its end (so the choice does not depend on which partition a poll happened
     * to return first); else, live, what is read when the oldest pair has waited max-wait; else, at
     * a bounded line's end, the rest.
     */
    private Optional<Batch> nextBatch(KafkaConsumer<String, byte[]> kafka, List<TopicPartition> partitions, PendingPairs pending,
                                      Map<TopicPartition, Long> done, Map<TopicPartition, Long> beginning,
                                      Map<TopicPartition, Long> end, boolean finished) {
        Optional<ModelVersion> follow = recordedFrom(done, beginning, end);
        if (follow.isPresent()) {
            Map<TopicPartition, Long> stop = new HashMap<>();
            for (TopicPartition tp : partitions) stop.put(tp, endOf(follow.get(), tp, done));
            if (!partitions.stream().allMatch(tp -> kafka.position(tp) >= stop.get(tp))) return Optional.empty();
            return Optional.of(new Batch(pending.takeBefore(stop), follow.get().trainedOn().cut(), follow.get()));
        }
        int perVersion = context.config().pairsPerVersion();
        int trainable = pending.trainable();
        if (trainable == 0) return Optional.empty();
        if (trainable >= perVersion && readToTheEnd(kafka, partitions, end)) {
            return Optional.of(new Batch(pending.take(perVersion), ModelVersion.Cut.COUNT, null));
        }
        if (live && System.nanoTime() - pending.oldestTrainableReceivedNanos().orElseThrow() >= context.config().maxWait().toNanos()) {
            return Optional.of(new Batch(pending.take(perVersion), ModelVersion.Cut.TIME, null));
        }
        if (finished) return Optional.of(new Batch(pending.take(perVersion), ModelVersion.Cut.END, null));
        return Optional.empty();
    }

    /** Whether every partition has been read to its end: the live log's end now (committed records), a bounded line's end. */
    private static boolean readToTheEnd(KafkaConsumer<String, byte[]> kafka, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> ends = end != null ? end : kafka.endOffsets(partitions, Duration.ofSeconds(10));
        return partitions.stream().allMatch(tp -> kafka.position(tp) >= ends.get(tp));
    }

    /**
     * The recorded version whose range starts exactly where this line stands and ends within its
     * bounds, if there is one; the oldest such when a crash announced two. The thumbs topic counts only
     * where the version read it (a KTO version): following a version of another algorithm, this line
     * takes no thumbs in that batch.
     */
    private Optional<ModelVersion> recordedFrom(Map<TopicPartition, Long> done, Map<TopicPartition, Long> beginning,
                                                Map<TopicPartition, Long> end) {
        if (recorded == null) return Optional.empty();
        List<ModelVersion> versions = recorded.get();
        Map<String, ModelVersion> byId = new HashMap<>();
        versions.forEach(v -> byId.put(v.versionId(), v));
        for (ModelVersion v : versions) {
            if (v.trainedOn().offsets().isEmpty()) continue;
            Map<String, Long> from = v.trainedOn().fromOffsets() != null ? v.trainedOn().fromOffsets()
                    : Optional.ofNullable(v.parentVersion()).map(byId::get).map(p -> p.trainedOn().offsets()).orElse(Map.of());
            boolean startsHere = true;
            boolean grows = false;
            boolean inBounds = true;
            for (TopicPartition tp : done.keySet()) {
                if (!tp.topic().equals(Topics.PREFERENCE_PAIRS) && !v.trainedOn().offsets().containsKey(offsetKey(tp))) continue;
                long start = from.getOrDefault(offsetKey(tp), beginning.get(tp));
                long stop = v.trainedOn().offsets().getOrDefault(offsetKey(tp), start);
                startsHere &= start == done.get(tp);
                grows |= stop > start;
                inBounds &= end == null || stop <= end.get(tp);
            }
            if (startsHere && grows && inBounds) return Optional.of(v);
        }
        return Optional.empty();
    }

    private static long endOf(ModelVersion version, TopicPartition tp, Map<TopicPartition, Long> done) {
        return version.trainedOn().offsets().getOrDefault(offsetKey(tp), done.get(tp));
    }

    /**
     * The policy a line trains from: with a LoRA rank, an adapter over the SFT model's own weights
     * (the parent's adapter, or a fresh one from the SFT model); without, whole weights (the parent's,
     * merged if the parent was an adapter). An adapter always adapts the SFT model, the base every
     * inference service already holds: a line of whole-weight versions that turns to LoRA starts a
     * fresh adapter from the SFT model.
     */
    private Gpt startingPolicy(Gpt reference, ModelStore.Checkpoint from, boolean fromSft) {
        boolean lora = update.settings().loraRank() > 0;
        long seed = context.config().seed();
        if (fromSft) return update.newPolicy(reference, seed);
        if (from.version().weights().isAdapter()) {
            Gpt policy = lora ? reference.sharingWeights() : reference.copy();
            try {
                PeftAdapter.load(policy, from.modelDir());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read the adapter of version " + from.version().versionId(), e);
            }
            if (!lora) policy.mergeLora();
            return policy;
        }
        if (lora) {
            LOG.warnf("line %s: version %s has whole weights; LoRA versions adapt the SFT model %s, so a fresh adapter starts from it",
                    line, from.version().versionId(), sft.version().versionId());
            return update.newPolicy(reference, seed);
        }
        return Models.load(from.modelDir());
    }

    private boolean isSft(ModelStore.Checkpoint checkpoint) {
        return checkpoint.version().versionId().equals(sft.version().versionId());
    }

    /**
     * Trains and publishes the reward model of {@code announced}, a version a stop (or crash) left
     * announced before its reward model: from the reward model of the version before it, on the batch
     * it kept for that, with the update's seed, as the line would have.
     */
    private ModelStore.Checkpoint finishRewardModel(ModelStore.Checkpoint announced, Gpt reference) {
        ModelStore.Checkpoint before = context.store().checkpoints(line).stream().filter(c -> c.number() < announced.number())
                .reduce((a, b) -> b).orElse(parent);
        LOG.infof("line %s: version %s was announced before its reward model; training it now", line, announced.version().versionId());
        context.compute().lock();
        try {
            List<TokenizedPreference> pairs = ModelStore.readRewardModelBatch(announced);
            RewardModel rewardModel = resumeRewardModel(reference, before, isSft(before));
            Map<String, Double> metrics = update.runRewardModel(rewardModel, pairs, Models.tokenizer(sft.modelDir()).endOfTextId(),
                    updateSeed(announced.number()), PolicyUpdate.Progress.NONE);
            context.fence().accept("reward model of " + announced.version().versionId());
            ModelStore.Checkpoint done = context.store().addRewardModel(announced, announced.version().withRewardModel(metrics),
                    rewardModel::save);
            context.published().accept(done.version());
            return done;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot finish the reward model of " + announced.version().versionId(), e);
        } finally {
            context.compute().unlock();
        }
    }

    private long updateSeed(int number) {
        return context.config().seed() * 1_000_003L + number;
    }

    /** The reward model the parent checkpoint saved, so a restarted line trains on as one that never stopped. */
    private RewardModel resumeRewardModel(Gpt reference, ModelStore.Checkpoint parent, boolean fromSft) {
        if (fromSft) return update.newRewardModel(reference, context.config().seed());
        Path saved = parent.rewardModelDir();
        try {
            if (Files.isDirectory(saved)) return RewardModel.load(saved);
            LOG.warnf("line %s: version %s has no reward model (%s); the next update starts a new one from the SFT model",
                    line, parent.version().versionId(), saved);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("line %s: cannot read the reward model of version %s (%s); the next update starts a new one from the SFT model",
                    line, parent.version().versionId(), e.getMessage());
        }
        return update.newRewardModel(reference, context.config().seed());
    }

    /**
     * PPO's critic as the parent checkpoint saved it, carried like the reward model; a line's first
     * (or one whose parent kept none: another algorithm's version, or an older one) starts from the
     * reward model it starts with.
     */
    private ValueModel resumeCritic(RewardModel rewardModel, ModelStore.Checkpoint parent, boolean fromSft) {
        Path saved = parent.valueModelDir();
        if (!fromSft) {
            try {
                if (Files.isDirectory(saved)) return ValueModel.load(saved);
                LOG.warnf("line %s: version %s has no critic (%s); PPO starts a new one from the reward model", line,
                        parent.version().versionId(), saved);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("line %s: cannot read the critic of version %s (%s); PPO starts a new one from the reward model", line,
                        parent.version().versionId(), e.getMessage());
            }
        }
        return update.newCritic(rewardModel);
    }

    /** The SFT mix's examples (TrainerUpdate.sftInstructions); the file was checked at startup, so failing to read it now is fatal to the line. */
    private List<InstructionLoader.Encoded> sftInstructions(Tokenizer tokenizer) {
        try {
            List<InstructionLoader.Encoded> examples = TrainerUpdate.sftInstructions(context.config(), update.settings(), tokenizer);
            UpdateSettings.SftMix mix = update.settings().sftMix();
            if (mix.enabled() && examples.isEmpty()) {
                LOG.infof("line %s: no SFT mix: the base model was taken as it is, so there are no instruction examples to mix", line);
            } else if (mix.enabled()) {
                LOG.infof("line %s: each policy step is followed by an SFT step at %s on %d of %d instruction examples", line,
                        mix.learningRate(), mix.examples(), examples.size());
            }
            return examples;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the SFT data for the SFT mix", e);
        }
    }

    /** A record in the log's order: the pair or rating it holds, or none when the line must skip it (still consumed in its place). */
    private PendingPairs.Pending read(ConsumerRecord<String, byte[]> record, Tokenizer tokenizer, int context) {
        return record.topic().equals(Topics.THUMBS) ? readThumbs(record, tokenizer, context) : readPair(record, tokenizer, context);
    }

    /** A thumbs record, as {@link #readPair} reads a pair: in its place by its time, skipped when unreadable or forgotten. */
    private PendingPairs.Pending readThumbs(ConsumerRecord<String, byte[]> record, Tokenizer tokenizer, int context) {
        Instant at = Instant.ofEpochMilli(record.timestamp());
        Optional<TokenizedFeedback> rating = Optional.empty();
        String forgotten = null;
        if (record.value() != null) {
            try {
                ThumbsEvent event = Json.read(record.value(), ThumbsEvent.class);
                at = event.createdAt();
                if (this.context.forgotten().contains(event.rater())) {
                    forgotten = event.rater();
                } else {
                    rating = TrainerUpdate.encode(event, tokenizer, context);
                    if (rating.isEmpty()) LOG.warnf("line %s skips thumbs %s (partition %d, offset %d): empty answer or unknown tokens",
                            line, event.thumbsId(), record.partition(), record.offset());
                }
            } catch (RuntimeException e) {
                LOG.warnf("line %s skips an unreadable thumbs at partition %d, offset %d: %s", line, record.partition(), record.offset(),
                        e.getMessage());
            }
        }
        return new PendingPairs.Pending(record.topic(), record.partition(), record.offset(), at, Optional.empty(), rating, System.nanoTime(),
                forgotten);
    }

    private PendingPairs.Pending readPair(ConsumerRecord<String, byte[]> record, Tokenizer tokenizer, int context) {
        // An unreadable record has no vote time; the broker's timestamp gives it a place in the order all the same.
        Instant votedAt = Instant.ofEpochMilli(record.timestamp());
        Optional<TokenizedPreference> pair = Optional.empty();
        String rater = null;
        if (record.value() != null) {
            try {
                PreferencePair event = Json.read(record.value(), PreferencePair.class);
                votedAt = event.at();
                if (this.context.forgotten().contains(event.rater())) {
                    // consumed in its place, never trained on: the admin had its rater forgotten
                    return new PendingPairs.Pending(record.partition(), record.offset(), votedAt, pair, System.nanoTime(), event.rater());
                }
                pair = TrainerUpdate.encode(event, tokenizer, context);
                rater = event.rater();
                if (pair.isEmpty()) LOG.warnf("line %s skips pair %s (partition %d, offset %d): empty, identical or unknown tokens",
                        line, event.comparisonId(), record.partition(), record.offset());
            } catch (RuntimeException e) {
                LOG.warnf("line %s skips an unreadable pair at partition %d, offset %d: %s", line, record.partition(), record.offset(), e.getMessage());
            }
        }
        return new PendingPairs.Pending(record.partition(), record.offset(), votedAt, pair, System.nanoTime(), null, rater);
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

    /**
     * KTO's ratings of a batch in its order: a pair's answers as a thumbs up and a thumbs down where
     * the pair stands, a thumbs where it stands; null for other algorithms (they train on the pairs).
     */
    private List<TokenizedFeedback> ratings(List<PendingPairs.Pending> records) {
        if (update.algorithm() != PolicyAlgorithm.KTO) return null;
        List<TokenizedFeedback> ratings = new java.util.ArrayList<>();
        for (PendingPairs.Pending p : records) {
            p.pair().ifPresent(pair -> ratings.addAll(TokenizedFeedback.fromPairs(List.of(pair))));
            p.rating().ifPresent(ratings::add);
        }
        return ratings;
    }

    /** Whether the recorded version's archive (where this trainer has it) holds the same files as the new one's under another digest. */
    private boolean sameFiles(ModelStore.Checkpoint built, ModelVersion recorded) {
        if (recorded == null || recorded.weights().sha256().equals(built.version().weights().sha256())) return false;
        Optional<Path> archive = context.store().find(recorded.versionId()).map(ModelStore.Checkpoint::archive).filter(Files::isRegularFile);
        try {
            return archive.isPresent() && ModelArchive.sameContents(built.archive(), archive.get());
        } catch (IOException e) {
            LOG.warnf("line %s: cannot compare %s with %s: %s", line, built.version().versionId(), recorded.versionId(), e.getMessage());
            return false;
        }
    }

    /** When the batch's last vote (or rating) was cast: the one that completed it, for a batch cut by count. */
    private static Optional<Instant> lastVote(List<PendingPairs.Pending> records) {
        return records.stream().filter(PendingPairs.Pending::trainable).map(PendingPairs.Pending::votedAt).max(Comparator.naturalOrder());
    }

    /** Trains, checkpoints, commits the offsets and publishes one version; in that order. */
    private ModelVersion train(Gpt policy, RewardModel rewardModel, ValueModel critic, Gpt reference, Tokenizer tokenizer, Batch batch, int number,
                               String parentVersion, Map<TopicPartition, Long> before, long votesBefore) {
        Map<TopicPartition, Long> after = new LinkedHashMap<>(before);
        for (PendingPairs.Pending p : batch.records()) {
            after.merge(p.topicPartition(), p.offset() + 1, Math::max);
        }
        Map<String, Double> raterWeights = update.settings().weighByReliability()
                ? context.raterWeights().forBatch(batch.records().stream().filter(PendingPairs.Pending::trainable)
                        .map(PendingPairs.Pending::rater).filter(java.util.Objects::nonNull).distinct().toList(), batch.rebuilds())
                : Map.of();
        // An imported pair has no rater to check: it weighs 1, as a rater nobody checked yet.
        List<TokenizedPreference> pairs = batch.records().stream()
                .flatMap(p -> p.pair().map(pair -> pair.withWeight(p.rater() == null ? 1.0 : raterWeights.getOrDefault(p.rater(), 1.0)))
                        .stream()).toList();
        List<TokenizedFeedback> ratings = ratings(batch.records());
        long thumbs = batch.records().stream().filter(p -> p.rating().isPresent()).count();
        List<String> forgottenRaters = batch.records().stream().map(PendingPairs.Pending::forgottenRater)
                .filter(java.util.Objects::nonNull).distinct().sorted().toList();
        String versionId = versionId(line, live, number);
        long seed = updateSeed(number);
        // Where the policy does not read the reward model, the version is announced before it is trained (it follows).
        boolean rewardModelFollows = !update.policyReadsRewardModel() && !pairs.isEmpty();

        Instant cutAt = Instant.now();
        context.compute().lock();
        training = true;
        long updateStarted = System.nanoTime();
        context.stateChanged().run();
        try {
            long t0 = System.nanoTime();
            context.status().progress(line, live, algorithm, 0, 0, null, Map.of(),
                    "training " + versionId + " on " + pairs.size() + " pairs" + (thumbs > 0 ? " and " + thumbs + " thumbs" : ""));
            if (onlinePool == null) onlinePool = TrainerUpdate.onlinePool(context.config(), update.settings(), tokenizer);
            PolicyUpdate.Progress progress = (stage, step, total, loss) -> context.status().progress(line, live,
                    stage == PolicyUpdate.Stage.REWARD_MODEL ? Algorithm.REWARD_MODEL : algorithm, step, total, loss, Map.of(), null);
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (!rewardModelFollows) metrics.putAll(update.runRewardModel(rewardModel, pairs, tokenizer.endOfTextId(), seed, progress));
            long rewardModelDone = System.nanoTime();
            metrics.putAll(update.runPolicy(policy, reference, rewardModel, critic, pairs, ratings, onlinePool, tokenizer.endOfTextId(), seed,
                    progress));
            long trained = System.nanoTime();
            // a trainer that lost the line (a standby took over) stops before it touches the shared store
            context.fence().accept("staging " + versionId);
            Path staged = context.store().staging(line, number);
            Path modelDir = staged.resolve(ModelStore.MODEL_DIR);
            // No version or line in the file's metadata: a replay's weights must be the same bytes as the live line's.
            String weightsUrl = Models.weightsUrl(context.config(), versionId);
            ModelVersion.Weights weights;
            if (policy.lora() != null) {
                // An adapter version ships only its adapter (PEFT's files); its base is the SFT model.
                PeftAdapter.save(policy, modelDir, "CAUSAL_LM", sft.version().versionId());
                weights = ModelVersion.Weights.adapter(weightsUrl,
                        ModelArchive.packAdapter(modelDir, staged.resolve(ModelStore.ARCHIVE_FILE)).sha256(), sft.version().versionId());
            } else {
                GptCheckpoint.save(policy, modelDir);
                Files.copy(sft.modelDir().resolve(Models.TOKENIZER_FILE), modelDir.resolve(Models.TOKENIZER_FILE));
                weights = new ModelVersion.Weights(weightsUrl, Models.archive(modelDir, staged.resolve(ModelStore.ARCHIVE_FILE)));
            }
            if (thumbs > 0) metrics.put("thumbs", (double) thumbs);
            metrics.put("weightsBytes", (double) Files.size(staged.resolve(ModelStore.ARCHIVE_FILE)));
            if (rewardModelFollows) {
                // kept with the checkpoint until the reward model is published: a restart trains it from them
                ModelStore.writeRewardModelBatch(staged, pairs);
            } else {
                ModelStore.writeRewardModel(staged, rewardModel::save);
            }
            if (critic != null) critic.save(staged.resolve(ModelStore.VALUE_MODEL_DIR));
            Map<String, Long> offsets = new LinkedHashMap<>();
            after.forEach((tp, offset) -> offsets.put(offsetKey(tp), offset));
            Map<String, Long> fromOffsets = new LinkedHashMap<>();
            before.forEach((tp, offset) -> fromOffsets.put(offsetKey(tp), offset));
            ModelVersion version = new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, line, parentVersion, algorithm,
                    new ModelVersion.TrainedOn(votesBefore + pairs.size() + thumbs, pairs.size(), offsets, fromOffsets, batch.cut(), forgottenRaters,
                            raterWeights),
                    metrics,
                    weights, Instant.now(),
                    new ModelVersion.Engine(Engine.version(), Engine.floatLanes()),
                    rewardModelFollows ? ModelVersion.RewardModelState.TRAINING : ModelVersion.RewardModelState.PUBLISHED);
            long packed = System.nanoTime();
            context.fence().accept("checkpoint " + versionId);
            ModelStore.Checkpoint checkpoint = context.store().commit(staged, number, version);

            Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
            after.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset, versionId)));
            consumer.commitSync(commit);

            context.published().accept(version);
            long announced = System.nanoTime();
            VersionTimes times = new VersionTimes(live ? lastVote(batch.records()).map(v -> Duration.between(v, cutAt)).orElse(null) : null,
                    trained - t0, rewardModelDone - t0, packed - trained, announced - packed);
            LOG.infof("line %s, version %s: %s (%s on %d pairs and %d thumbs, cut by %s): %s", line, versionId, times, algorithm,
                    pairs.size(), thumbs, batch.cut(), metrics);
            context.status().progress(line, live, algorithm, 1, 1, metrics.get(update.algorithm().lossMetric()), metrics,
                    "published " + versionId + ": " + times.brief() + (rewardModelFollows ? "; its reward model follows" : ""));
            if (rewardModelFollows) {
                Map<String, Double> rewardMetrics = update.runRewardModel(rewardModel, pairs, tokenizer.endOfTextId(), seed, progress);
                version = version.withRewardModel(rewardMetrics);
                context.fence().accept("reward model of " + versionId);
                checkpoint = context.store().addRewardModel(checkpoint, version, rewardModel::save);
                context.published().accept(version);
                double seconds = (System.nanoTime() - announced) / 1e9;
                // one line for operators; ./bench UpdateToServing reads it
                LOG.infof("line %s, version %s: its reward model followed in %s s (trained and published): %s", line, versionId,
                        String.format(java.util.Locale.ROOT, "%.2f", seconds), rewardMetrics);
                context.status().progress(line, live, Algorithm.REWARD_MODEL, 1, 1, rewardMetrics.get("rewardLoss"), version.metrics(),
                        String.format(java.util.Locale.ROOT, "published %s's reward model, %.1f s after the version", versionId, seconds));
            }
            built.add(new Built(version, batch.rebuilds(), sameFiles(checkpoint, batch.rebuilds())));
            return version;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot checkpoint " + versionId + " of line " + line, e);
        } finally {
            training = false;
            context.status().updateTook(algorithm, System.nanoTime() - updateStarted);
            context.compute().unlock();
            context.stateChanged().run();
        }
    }
}
