package dev.rlhfloop.trainer;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/** A replay of the preference log into a new line, run by a {@link LineTrainer} on a thread of its own. */
public final class Replay {
    private static final Logger LOG = Logger.getLogger(Replay.class);

    public enum State { RUNNING, DONE, FAILED }

    private final String id;
    private final ReplayRequest request;
    private final LineTrainer trainer;
    private final Runnable stateChanged;
    private final Thread thread;
    private volatile State state = State.RUNNING;
    private volatile String error;

    Replay(String id, ReplayRequest request, LineTrainer trainer, Runnable stateChanged) {
        this.id = id;
        this.request = request;
        this.trainer = trainer;
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
    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id);
        v.put("line", trainer.line());
        v.put("from", request.from().name());
        if (request.timestamp() != null) v.put("timestamp", request.timestamp().toString());
        if (request.fromOffset() != null) v.put("fromOffset", request.fromOffset());
        if (request.toOffset() != null) v.put("toOffset", request.toOffset());
        v.put("algorithm", trainer.algorithm().name());
        v.put("state", state.name());
        v.put("consumed", trainer.consumed());
        v.put("total", Math.max(0, trainer.total()));
        v.put("versions", trainer.versions());
        if (error != null) v.put("error", error);
        return v;
    }
}
