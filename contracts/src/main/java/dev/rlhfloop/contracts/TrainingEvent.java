package dev.rlhfloop.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * Progress of one training stage of a model line, keyed by {@link #modelLine}.
 *
 * @param totalSteps 0 when unknown
 * @param loss null when the stage has no loss to report (e.g. a status message)
 * @param message optional, for people
 */
public record TrainingEvent(
        int schemaVersion,
        String modelLine,
        Algorithm phase,
        long step,
        long totalSteps,
        Double loss,
        Map<String, Double> metrics,
        String message,
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

    public TrainingEvent {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("TrainingEvent")
                .text("modelLine", modelLine)
                .present("phase", phase)
                .that(step >= 0, "step must be >= 0, was " + step)
                .that(totalSteps >= 0, "totalSteps must be >= 0, was " + totalSteps)
                .that(totalSteps == 0 || step <= totalSteps, "step " + step + " is past totalSteps " + totalSteps)
                .that(loss == null || !loss.isNaN(), "loss is NaN")
                .present("createdAt", createdAt)
                .done();
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    public String key() {
        return modelLine;
    }
}
