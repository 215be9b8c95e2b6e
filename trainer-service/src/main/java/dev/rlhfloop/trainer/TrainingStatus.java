package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.TrainingEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the trainer is doing now, for {@code GET /api/training} and its event stream, the training
 * events it publishes to Kafka and the training meters: one place that every stage reports its
 * progress to.
 */
@ApplicationScoped
public class TrainingStatus {
    public enum State { IDLE, BOOTSTRAPPING, TRAINING, BUSY, REPLAYING, STANDBY }

    /** A point on the loss curve. */
    public record LossPoint(String phase, long step, double loss) {}

    /** A named server-sent event; {@code data} is written as JSON. */
    public record Event(String name, Object data) {}

    /** The loss curve keeps at most this many points; past it every other point is dropped. */
    static final int MAX_LOSS_POINTS = 2_000;

    @Inject
    Publisher publisher;

    @Inject
    MeterRegistry meters;

    /** When each line last reported progress, to time its next optimizer step by. */
    private final Map<String, Long> lastReportNanos = new ConcurrentHashMap<>();
    private final Map<Algorithm, Double> liveLoss = new ConcurrentHashMap<>();

    private State state = State.IDLE;
    private String phase;
    private long step;
    private long totalSteps;
    private Double loss;
    private String message = "starting";
    private String servingVersion;
    /** What the first model is and why (the core-count rule, or the base model), while it is made. */
    private String firstModel;
    private final List<LossPoint> losses = new ArrayList<>();
    private final List<Consumer<Event>> listeners = new CopyOnWriteArrayList<>();

    /** Reports a step of a stage of {@code line}: published as a training event; the live line's also moves the shown state. */
    public void progress(String line, boolean live, Algorithm stage, long step, long totalSteps, Double loss,
                         Map<String, Double> metrics, String message) {
        long now = System.nanoTime();
        Long previous = lastReportNanos.put(line, now);
        // Reports with a message mark a stage's start or a version's publication; the others are optimizer steps.
        if (message == null && step > 0) measureStep(live, stage, previous == null ? null : now - previous, loss);
        publisher.event(new TrainingEvent(TrainingEvent.SCHEMA_VERSION, line, stage, step, totalSteps,
                loss == null || loss.isNaN() ? null : loss, metrics, message, Instant.now()));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("phase", stage.name());
        data.put("step", step);
        data.put("totalSteps", totalSteps);
        if (loss != null && !loss.isNaN()) data.put("loss", loss);
        data.put("line", line);
        if (message != null) data.put("message", message);
        synchronized (this) {
            if (live) {
                this.phase = stage.name();
                this.step = step;
                this.totalSteps = totalSteps;
                this.loss = loss;
                if (message != null) this.message = message;
                if (loss != null && !loss.isNaN()) addLoss(new LossPoint(stage.name(), step, loss));
            }
            data.put("state", state.name());
        }
        emit(new Event("progress", data));
    }

    /**
     * A step lasts from the line's previous report to its own, so a stage's first step includes the
     * stage's setup, and a step after an evaluation includes the evaluation.
     */
    private void measureStep(boolean live, Algorithm stage, Long sincePreviousReportNanos, Double loss) {
        if (sincePreviousReportNanos != null) {
            Timer.builder(OperatorMeter.TRAINING_STEP.meterName()).description("One optimizer step, by stage")
                    .tag("stage", stage.name()).register(meters)
                    .record(sincePreviousReportNanos, TimeUnit.NANOSECONDS);
        }
        if (live && loss != null && Double.isFinite(loss) && liveLoss.put(stage, loss) == null) {
            Gauge.builder(OperatorMeter.TRAINING_LOSS.meterName(), liveLoss, losses -> losses.getOrDefault(stage, Double.NaN))
                    .description("The live line's loss at its latest step, by stage")
                    .tag("stage", stage.name()).register(meters);
        }
    }

    /** One update of a line took {@code nanos}, from taking the compute lock to publishing its version (or failing). */
    public void updateTook(Algorithm algorithm, long nanos) {
        Timer.builder(OperatorMeter.TRAINING_UPDATE.meterName())
                .description("One policy update: training, checkpoint, offset commit and publication of a version")
                .tag("algorithm", algorithm.name()).register(meters)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    public void state(State state, String message) {
        synchronized (this) {
            this.state = state;
            if (message != null) this.message = message;
        }
        emit(new Event("state", snapshot()));
    }

    public synchronized State state() {
        return state;
    }

    public void serving(String versionId) {
        synchronized (this) {
            this.servingVersion = versionId;
        }
        emit(new Event("state", snapshot()));
    }

    /** Says what the first model will be and why; shown with the bootstrap's progress. */
    public void firstModel(String description) {
        synchronized (this) {
            this.firstModel = description;
        }
        emit(new Event("state", snapshot()));
    }

    public void version(Object entry) {
        emit(new Event("version", entry));
    }

    /** The fields of {@code GET /api/training}. */
    public synchronized Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("state", state.name());
        if (phase != null) s.put("phase", phase);
        s.put("step", step);
        s.put("totalSteps", totalSteps);
        if (loss != null && !loss.isNaN()) s.put("loss", loss);
        s.put("message", message);
        if (servingVersion != null) s.put("servingVersion", servingVersion);
        if (firstModel != null) s.put("firstModel", firstModel);
        s.put("losses", List.copyOf(losses));
        return s;
    }

    /** Registers a listener for every event from now on; closing the returned handle removes it. */
    public AutoCloseable subscribe(Consumer<Event> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void emit(Event event) {
        for (Consumer<Event> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException gone) {
                listeners.remove(listener);
            }
        }
    }

    private void addLoss(LossPoint point) {
        losses.add(point);
        if (losses.size() > MAX_LOSS_POINTS) {
            List<LossPoint> thinned = new ArrayList<>(losses.size() / 2 + 1);
            for (int i = 0; i < losses.size(); i += 2) thinned.add(losses.get(i));
            losses.clear();
            losses.addAll(thinned);
        }
    }
}
