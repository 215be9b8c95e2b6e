package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.api.ReplayView.State;
import dev.rlhfloop.contracts.api.ReplayView;
import dev.rlhfloop.contracts.ModelVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.Map;
import org.jboss.logging.Logger;

/** A replay of the preference log into a new line, run by a {@link LineTrainer} on a thread of its own. */
public final class Replay {
    private static final Logger LOG = Logger.getLogger(Replay.class);

    private final String id;
    private final ReplayRequest request;
    private final String parent;
    private final String followed;
    private final LineTrainer trainer;
    private final Function<String, Optional<ModelVersion>> registry;
    private final Runnable stateChanged;
    private final Thread thread;
    private volatile State state = State.RUNNING;
    private volatile String error;

    /**
     * {@code parent}: the version the line starts from; {@code followed}: the line whose recorded
     * batches it takes where it can; {@code registry}: finds a version's latest entry (weights may be
     * republished, never changed).
     */
    Replay(String id, ReplayRequest request, String parent, String followed, LineTrainer trainer,
           Function<String, Optional<ModelVersion>> registry, Runnable stateChanged) {
        this.id = id;
        this.request = request;
        this.parent = parent;
        this.followed = followed;
        this.trainer = trainer;
        this.registry = registry;
        this.stateChanged = stateChanged;
        this.thread = new Thread(this::run, "replay-" + id);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    void stop() throws InterruptedException {
        trainer.stop();
        thread.join();
    }

    private void run() {
        try {
            trainer.run();
            state = State.DONE;
            LOG.infof("replay %s into line %s done: %d pairs read, versions %s", id, trainer.line(), trainer.consumed(), trainer.versions());
        } catch (RuntimeException e) {
            error = e.getMessage();
            state = State.FAILED;
            LOG.errorf(e, "replay %s into line %s failed", id, trainer.line());
        } finally {
            stateChanged.run();
        }
    }

    public String id() {
        return id;
    }

    public String line() {
        return trainer.line();
    }

    public State state() {
        return state;
    }

    /** The form of {@code GET /api/replays}. */
    public ReplayView view() {
        return new ReplayView(id, trainer.line(), request.from(), request.timestamp(), request.fromOffset(), request.toOffset(),
                keyed(request.fromOffsets()), keyed(request.toOffsets()), parent, followed, trainer.algorithm().name(), state,
                trainer.consumed(), Math.max(0, trainer.total()), trainer.versions(),
                comparisons().stream().map(Rebuild::view).toList(), error);
    }

    /** Each published version against the recorded one whose batch it took (as the registry has it now). */
    List<Rebuild> comparisons() {
        return trainer.built().stream().map(b -> Rebuild.of(b.version(),
                b.rebuilds() == null ? null : registry.apply(b.rebuilds().versionId()).orElse(b.rebuilds()), b.sameFiles())).toList();
    }

    private static Map<String, Long> keyed(Map<Integer, Long> offsets) {
        if (offsets == null) return null;
        Map<String, Long> keyed = new LinkedHashMap<>();
        offsets.forEach((partition, offset) -> keyed.put(Integer.toString(partition), offset));
        return keyed;
    }
}
