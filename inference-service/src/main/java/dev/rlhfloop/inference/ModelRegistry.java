package dev.rlhfloop.inference;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The versions being served: the current one, the one it replaced and the line's first (the
 * baseline). Swaps are atomic; a comparison takes its models once, so a stream in flight finishes
 * on the model it started with.
 */
@ApplicationScoped
public class ModelRegistry {

    /** The two models of one comparison, in no particular slot order. */
    public record Pair(ServedModel first, ServedModel second) {}

    /** Thrown while nothing can be served. */
    public static final class NoModelException extends RuntimeException {
        public NoModelException(String reason) {
            super(reason);
        }
    }

    private record Served(ServedModel current, ServedModel previous, ServedModel baseline) {}

    private volatile Served served = new Served(null, null, null);
    private volatile String waitingFor = "no model version has been published on rlhf.model-versions yet"
            + " (and rlhf.inference.model-dir is not set): bootstrap one from the dashboard or start the trainer";

    /** Makes {@code model} the current version; the one it replaces becomes the previous. */
    public synchronized void serve(ServedModel model) {
        Served now = served;
        served = new Served(model, now.current, now.baseline == null ? model : now.baseline);
    }

    /** Sets the baseline explicitly (the first version of the line, loaded at start). */
    public synchronized void baseline(ServedModel model) {
        served = new Served(served.current, served.previous, model);
    }

    /** Sets what the answer to a request says while no model is loaded. */
    public void waitingFor(String reason) {
        waitingFor = reason;
    }

    public ServedModel current() {
        ServedModel current = served.current;
        if (current == null) throw new NoModelException(waitingFor);
        return current;
    }

    public boolean hasModel() {
        return served.current != null;
    }

    /** The version id of each model served, by role: current, previous, baseline (roles not filled are left out). */
    public java.util.Map<String, String> versionsByRole() {
        Served now = served;
        java.util.Map<String, String> roles = new java.util.LinkedHashMap<>();
        if (now.current != null) roles.put("current", now.current.versionId());
        if (now.previous != null) roles.put("previous", now.previous.versionId());
        if (now.baseline != null) roles.put("baseline", now.baseline.versionId());
        return roles;
    }

    public Pair pair(CompareMode mode) {
        Served now = served;
        if (now.current == null) throw new NoModelException(waitingFor);
        ServedModel other = switch (mode) {
            case LATEST -> now.current;
            case LATEST_VS_PREVIOUS -> now.previous;
            case LATEST_VS_BASELINE -> now.baseline;
        };
        return new Pair(now.current, other == null ? now.current : other);
    }
}
