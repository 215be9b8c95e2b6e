package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.api.ReplayView;
import dev.rlhfloop.contracts.api.ModelEntry;
import dev.rlhfloop.contracts.api.StartReplay;
import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.train.BootstrapPlan;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The trainer: once it holds the live line's lease ({@link LineLease}; until then it is a hot standby)
 * it makes sure the live line has a model (bootstrapping one if the registry has none), then runs the
 * live line's learning loop, and replays into new lines on request. One update trains at a time (the
 * kernels use every core); lines take turns. Trainers of one line share its data directory.
 */
@ApplicationScoped
public class TrainerService {
    private static final Logger LOG = Logger.getLogger(TrainerService.class);

    /** A replay that is already running (or the live line has no model to start from). */
    public static final class BusyException extends RuntimeException {
        public BusyException(String reason) {
            super(reason);
        }
    }

    @Inject
    TrainerConfig config;

    @Inject
    Publisher publisher;

    @Inject
    TrainingStatus status;

    @Inject
    LineControlFollower control;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final ReentrantLock compute = new ReentrantLock(true);
    /** How the live line's updates (and replays that name none) change the policy. */
    private Algorithm algorithm;
    private ModelStore store;
    private Registry registry;
    private ForgottenRaters forgotten;
    private RaterWeights raterWeights;
    private LineLease lease;
    private volatile ModelStore.Checkpoint sft;
    private volatile boolean bootstrapping;
    private volatile boolean stopping;
    private Thread starter;
    private volatile LineTrainer live;
    private Thread liveThread;
    private final Map<String, Replay> replays = new LinkedHashMap<>();

    void onStart(@Observes StartupEvent event) {
        logTrainingCores();
        if (config.pairsPerVersion() < 1) {
            throw new IllegalArgumentException("rlhf.trainer.pairs-per-version must be at least 1, was " + config.pairsPerVersion());
        }
        if (!config.line().matches(ReplayRequest.LINE_PATTERN)) {
            throw new IllegalArgumentException("rlhf.trainer.line must match " + ReplayRequest.LINE_PATTERN + ", was '" + config.line() + "'");
        }
        // bad update settings fail here, not in the first update
        algorithm = TrainerUpdate.recorded(TrainerUpdate.settings(config).algorithm());
        Bootstrapper.plan(config.bootstrap(), BootstrapPlan.trainingCores()); // an unknown size fails here, not after the registry was read
        config.baseModel().filter(dir -> !Files.isDirectory(dir)).ifPresent(dir -> {
            throw new IllegalArgumentException("rlhf.trainer.base-model (RLHF_BASE_MODEL) " + dir + " is not a directory");
        });
        config.sftData().filter(file -> !Files.isRegularFile(file)).ifPresent(file -> {
            throw new IllegalArgumentException("rlhf.trainer.sft-data (RLHF_SFT_DATA) " + file + " is not a file");
        });
        config.sftMix().data().map(String::strip).filter(d -> !d.isEmpty() && !d.equals(TrainerUpdate.BUILTIN_MIX))
                .filter(file -> !Files.isRegularFile(Path.of(file))).ifPresent(file -> {
                    throw new IllegalArgumentException("rlhf.trainer.sft-mix.data " + file + " is not a file (give an instruction file or \""
                            + TrainerUpdate.BUILTIN_MIX + "\")");
                });
        if (config.sftData().isPresent() && config.baseModel().isEmpty()) {
            throw new IllegalArgumentException("rlhf.trainer.sft-data (RLHF_SFT_DATA) fine-tunes a base model: set rlhf.trainer.base-model "
                    + "(RLHF_BASE_MODEL) too");
        }
        store = new ModelStore(config.dataDir());
        registry = new Registry(bootstrapServers);
        forgotten = new ForgottenRaters(bootstrapServers);
        raterWeights = new RaterWeights(bootstrapServers);
        status.state(TrainingStatus.State.STANDBY, "waiting for line " + config.line()
                + ": another trainer trains it, or the broker is not reachable yet");
        lease = new LineLease(bootstrapServers, config.line(), config.leaseTimeout(), new LineLease.Listener() {
            @Override
            public void acquired() {
                startPreparing();
            }

            @Override
            public void lost() {
                LineTrainer line = live;
                if (line != null) line.stop(); // after its update; its checkpoint is fenced anyway
                status.state(TrainingStatus.State.STANDBY, "lost line " + config.line() + " to another trainer; waiting to take it back");
            }
        }).start();
    }

    /** Whether this trainer has seen the admin forget {@code raterId} (its pairs are skipped from then on). */
    boolean forgets(String raterId) {
        return forgotten != null && forgotten.contains(raterId);
    }

    /** The weight this trainer last read for {@code raterId} from rlhf.rater-reliability, if any. */
    java.util.Optional<Double> raterWeight(String raterId) {
        return raterWeights == null ? java.util.Optional.empty() : raterWeights.latest(raterId);
    }

    /** Holding the line (again): prepares and starts it on a thread of its own (the lease's must not block). */
    private synchronized void startPreparing() {
        if (stopping || (starter != null && starter.isAlive())) return;
        status.state(TrainingStatus.State.IDLE, "this trainer trains line " + config.line());
        starter = new Thread(this::prepareAndRun, "trainer-start");
        starter.setDaemon(true);
        starter.start();
    }

    /** The kernels' pool is sized by {@code rlhf.threads} (service-support's KernelThreadsSetting, which runs first). */
    private void logTrainingCores() {
        LOG.infof("training uses %d of %d cores (rlhf.threads sets it)", BootstrapPlan.trainingCores(),
                Runtime.getRuntime().availableProcessors());
    }

    void onStop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        stopLive();
        if (lease != null) lease.close(); // after the line: a standby takes over at once
        List<Replay> running;
        synchronized (this) {
            running = new ArrayList<>(replays.values());
        }
        for (Replay replay : running) replay.stop();
        if (registry != null) registry.close();
        if (forgotten != null) forgotten.close();
        if (raterWeights != null) raterWeights.close();
    }

    /** Waits for the registry, republishes checkpoints a crash left unannounced, bootstraps if needed, starts the live line. */
    private void prepareAndRun() {
        try {
            while (!registry.awaitCaughtUp(Duration.ofSeconds(10))) {
                if (stopping) return;
                LOG.infof("waiting for the model registry (%s) to be read", bootstrapServers);
            }
            if (!lease.held()) return;
            announceCheckpoints();
            Optional<ModelStore.Checkpoint> local = store.checkpoints(config.line()).stream()
                    .filter(c -> c.version().algorithm() == Algorithm.SFT).findFirst();
            if (local.isEmpty()) {
                if (!registry.line(config.line()).isEmpty()) {
                    status.state(TrainingStatus.State.IDLE, "line " + config.line() + " has versions on the registry but no checkpoint in "
                            + store.root() + ": not training");
                    LOG.errorf("line %s has versions on the registry but no checkpoint in %s: not training", config.line(), store.root());
                    return;
                }
                if (!config.bootstrap().enabled() && config.baseModel().isEmpty()) {
                    status.state(TrainingStatus.State.IDLE, "no model yet, and bootstrapping is off (rlhf.trainer.bootstrap.enabled)");
                    return;
                }
                local = Optional.of(bootstrap());
            }
            else if (config.baseModel().isPresent()) {
                LOG.infof("line %s already has its first model; rlhf.trainer.base-model (%s) applies to a line without one",
                        config.line(), config.baseModel().get());
            }
            sft = local.get();
            registry.line(config.line()).stream().reduce((a, b) -> b).ifPresent(v -> status.serving(v.versionId()));
            if (!stopping && lease.held()) startLive();
            refreshState();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            LOG.errorf(e, "the trainer could not start");
            bootstrapping = false;
            status.state(TrainingStatus.State.IDLE, "the trainer could not start: " + e.getMessage());
        }
    }

    /**
     * Publishes the checkpoints a crash (or an absent broker) left between checkpoint and announcement,
     * and the entries of reward models that were published on disk but not yet announced.
     */
    private void announceCheckpoints() {
        for (ModelStore.Checkpoint checkpoint : store.all()) {
            Optional<ModelVersion> announced = registry.find(checkpoint.version().versionId());
            if (announced.isEmpty() || announced.get().rewardModel() != checkpoint.version().rewardModel()) {
                LOG.infof("publishing %s of line %s, checkpointed but not yet announced", checkpoint.version().versionId(),
                        checkpoint.version().modelLine());
                publisher.version(checkpoint.version());
                registry.add(checkpoint.version());
            }
        }
    }

    private ModelStore.Checkpoint bootstrap() throws IOException {
        bootstrapping = true;
        Bootstrapper bootstrapper = new Bootstrapper(config, status);
        String first = (config.baseModel().isPresent() ? "preparing the first model: " : "training a first model: ") + bootstrapper.describe();
        LOG.info(first);
        status.firstModel(bootstrapper.describe());
        status.state(TrainingStatus.State.BOOTSTRAPPING, first);
        try {
            int number = 1;
            Path staged = store.staging(config.line(), number);
            String versionId = LineTrainer.versionId(config.line(), true, number);
            Map<String, Double> metrics = bootstrapper.run(staged.resolve(ModelStore.MODEL_DIR));
            String sha256 = Models.archive(staged.resolve(ModelStore.MODEL_DIR), staged.resolve(ModelStore.ARCHIVE_FILE));
            ModelVersion version = new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, config.line(), null, Algorithm.SFT,
                    ModelVersion.TrainedOn.NOTHING, metrics, new ModelVersion.Weights(Models.weightsUrl(config, versionId), sha256),
                    Instant.now());
            ModelStore.Checkpoint checkpoint = store.commit(staged, number, version);
            published(version, true);
            LOG.infof("bootstrap done: published version %s (SFT) of line %s", versionId, config.line());
            return checkpoint;
        } finally {
            bootstrapping = false;
        }
    }

    private LineTrainer.Context context(boolean live) {
        return new LineTrainer.Context(config, bootstrapServers, store, publisher, status, compute,
                version -> published(version, live), this::refreshState, live ? lease::fence : what -> {}, control::holds,
                forgotten, raterWeights);
    }

    private void published(ModelVersion version, boolean live) {
        publisher.version(version);
        registry.add(version);
        status.version(ModelEntry.of(version));
        if (live) status.serving(version.versionId());
        control.published(version.modelLine());
    }

    /** Starts the live line's loop (again), resuming from its latest checkpoint. */
    public synchronized void startLive() {
        if (sft == null) throw new BusyException("the live line has no model yet");
        if (!lease.held()) throw new BusyException("another trainer trains line " + config.line() + "; this one is its standby");
        if (liveThread != null && liveThread.isAlive()) {
            if (!live.stopped()) return;
            try {
                liveThread.join(); // a line stopped when the lease was lost, finishing its update
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        announceCheckpoints();
        LineTrainer line = new LineTrainer(context(true), config.line(), true, sft, sft, LIVE, null, algorithm);
        live = line;
        liveThread = new Thread(() -> runLive(line), "line-" + config.line());
        liveThread.setDaemon(true);
        liveThread.start();
    }

    /** Runs the live line until it is stopped; after a failure (e.g. the broker gone too long) it resumes from its checkpoint. */
    private void runLive(LineTrainer line) {
        while (!line.stopped()) {
            try {
                line.run();
            } catch (RuntimeException e) {
                LOG.errorf("line %s stopped on an error, resuming from its latest checkpoint in 5 s: %s", line.line(), e.toString());
                try {
                    Thread.sleep(5_000);
                    if (!line.stopped()) announceCheckpoints();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException again) {
                    LOG.warnf("line %s: %s", line.line(), again.getMessage());
                }
            }
        }
    }

    /** Stops the live line's loop after the update it may be running, and waits for it. */
    public void stopLive() throws InterruptedException {
        LineTrainer line;
        Thread thread;
        synchronized (this) {
            line = live;
            thread = liveThread;
        }
        if (line == null) return;
        line.stop();
        thread.join();
    }

    public boolean ready() {
        return sft != null;
    }

    public List<ModelVersion> versions() {
        return registry == null ? List.of() : registry.all();
    }

    public Optional<Path> archive(String versionId) {
        return store.find(versionId).map(ModelStore.Checkpoint::archive);
    }

    /** The archive of the reward model a version was published with; empty for a version without one (the SFT model, a pruned one). */
    public Optional<Path> rewardModelArchive(String versionId) {
        return store.find(versionId).map(ModelStore.Checkpoint::rewardModelArchive).filter(java.nio.file.Files::isRegularFile);
    }

    void refreshState() {
        TrainingStatus.State state;
        if (bootstrapping) state = TrainingStatus.State.BOOTSTRAPPING;
        else if (live != null && live.isTraining()) state = TrainingStatus.State.TRAINING;
        else if (replayRunning()) state = TrainingStatus.State.REPLAYING;
        else if (lease != null && !lease.held()) state = TrainingStatus.State.STANDBY;
        else state = TrainingStatus.State.IDLE;
        if (state != status.state()) status.state(state, null);
    }

    private synchronized boolean replayRunning() {
        return replays.values().stream().anyMatch(r -> r.state() == ReplayView.State.RUNNING);
    }

    // ---- replays

    public synchronized Replay startReplay(ReplayRequest request) {
        if (sft == null) throw new BusyException("there is no SFT model to replay from yet (the trainer is still bootstrapping)");
        Optional<Replay> running = replays.values().stream().filter(r -> r.state() == ReplayView.State.RUNNING).findFirst();
        if (running.isPresent()) throw new BusyException("replay " + running.get().id() + " into line " + running.get().line() + " is still running");
        String line = request.line();
        for (int k = replays.size() + 1; line == null; k++) {
            if (!lineExists("replay-" + k)) line = "replay-" + k;
        }
        if (line.equals(config.line()) || lineExists(line)) {
            throw new IllegalArgumentException("model line '" + line + "' already exists; name a new one");
        }
        ModelStore.Checkpoint parent = request.parent() == null ? sft : store.find(request.parent()).orElseThrow(() ->
                new IllegalArgumentException("there is no version '" + request.parent() + "' to start from: \"parent\" must name a version "
                        + "this trainer has weights of (GET /api/models), e.g. \"" + sft.version().versionId() + "\""));
        checkPartitions(request);
        String id = "r" + (replays.size() + 1);
        Algorithm lineAlgorithm = request.algorithm() != null ? request.algorithm() : algorithm;
        String followed = config.line();
        LineTrainer trainer = new LineTrainer(context(false), line, false, sft, parent, positions(request),
                () -> registry.line(followed), lineAlgorithm);
        Replay replay = new Replay(id, request, parent.version().versionId(), followed, trainer, registry::find, this::refreshState);
        replays.put(id, replay);
        replay.start();
        refreshState();
        LOG.infof("replay %s into line %s from %s started (%s)", id, line, request.from(), lineAlgorithm);
        return replay;
    }

    /** Per-partition offsets must name partitions the pairs topic has. */
    private void checkPartitions(ReplayRequest request) {
        if (request.fromOffsets() == null && request.toOffsets() == null) return;
        int count = registry.partitionCount(Topics.PREFERENCE_PAIRS);
        for (Map<Integer, Long> offsets : java.util.Arrays.asList(request.fromOffsets(), request.toOffsets())) {
            if (offsets == null) continue;
            for (int partition : offsets.keySet()) {
                if (partition >= count) {
                    throw new IllegalArgumentException("partition " + partition + " does not exist: " + Topics.PREFERENCE_PAIRS + " has "
                            + count + " (0-" + (count - 1) + ")");
                }
            }
        }
    }

    public synchronized List<Replay> replays() {
        return List.copyOf(replays.values());
    }

    private boolean lineExists(String line) {
        return !registry.line(line).isEmpty() || store.latest(line).isPresent()
                || replays.values().stream().anyMatch(r -> r.line().equals(line));
    }

    /** The live line starts where its checkpoint says, else at the group's committed offsets, else at the beginning. */
    private static final LineTrainer.Positions LIVE = new LineTrainer.Positions() {
        @Override
        public Map<TopicPartition, Long> start(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
            return null;
        }

        @Override
        public Map<TopicPartition, Long> end(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
            return null;
        }
    };

    /**
     * A replay reads from its start to the end of the log as it was when the replay began (or to
     * toOffset). Offsets name the pairs topic's partitions: a KTO replay from offsets reads the
     * thumbs topic whole (to its end when the replay began).
     */
    private static LineTrainer.Positions positions(ReplayRequest request) {
        return new LineTrainer.Positions() {
            @Override
            public Map<TopicPartition, Long> start(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
                Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                Map<TopicPartition, Long> start = new LinkedHashMap<>();
                switch (request.from()) {
                    case BEGINNING -> start.putAll(beginning);
                    case OFFSETS -> partitions.forEach(tp -> {
                        Long from = tp.topic().equals(Topics.PREFERENCE_PAIRS) ? request.startIn(tp.partition()) : null;
                        start.put(tp, from == null ? beginning.get(tp) : Math.min(end.get(tp), Math.max(beginning.get(tp), from)));
                    });
                    case TIMESTAMP -> {
                        Map<TopicPartition, Long> times = new LinkedHashMap<>();
                        partitions.forEach(tp -> times.put(tp, request.timestamp().toEpochMilli()));
                        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(times);
                        partitions.forEach(tp -> start.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
                    }
                }
                return start;
            }

            @Override
            public Map<TopicPartition, Long> end(KafkaConsumer<String, byte[]> consumer, List<TopicPartition> partitions) {
                Map<TopicPartition, Long> end = new LinkedHashMap<>(consumer.endOffsets(partitions));
                if (request.from() == StartReplay.From.OFFSETS) {
                    Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
                    end.replaceAll((tp, offset) -> !tp.topic().equals(Topics.PREFERENCE_PAIRS) ? offset
                            : !request.reads(tp.partition()) ? beginning.get(tp)
                            : request.endIn(tp.partition()) == null ? offset : Math.min(offset, request.endIn(tp.partition())));
                }
                return end;
            }
        };
    }
}
