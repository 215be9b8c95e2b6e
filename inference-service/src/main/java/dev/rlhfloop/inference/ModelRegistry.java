package dev.rlhfloop.inference;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The versions being served: the last {@value #RECENT_VERSIONS} of the line (the newest is the
 * current one, the one it replaced the previous) and the line's first (the baseline), all resident
 * and able to answer. Swaps are atomic; a comparison takes its models once, so a stream in flight
 * finishes on the model it started with. LoRA versions share their base's weights, so keeping
 * several of them costs only their adapters. While the admin pins a version ({@link Pin}), it answers
 * as the latest instead of the newest.
 */
@ApplicationScoped
public class ModelRegistry {

    /** Versions of the line kept resident besides the baseline, newest first (the trainer never prunes them). */
    public static final int RECENT_VERSIONS = dev.rlhfloop.contracts.LineControl.RESIDENT_VERSIONS;

    /** The two models of one comparison, in no particular slot order. */
    public record Pair(ServedModel first, ServedModel second) {}

    /** Thrown while nothing can be served. */
    public static final class NoModelException extends RuntimeException {
        public NoModelException(String reason) {
            super(reason);
        }
    }

    /** {@code recent}: newest first, at most {@link #RECENT_VERSIONS}. */
    private record Served(List<ServedModel> recent, ServedModel baseline) {
        ServedModel current() {
            return recent.isEmpty() ? null : recent.get(0);
        }

        ServedModel previous() {
            return recent.size() < 2 ? null : recent.get(1);
        }
    }

    /**
     * What answers as the latest instead of the newest version: the admin's pin ({@link LineControlWatcher}).
     * {@code model} null serves nothing, for the reason {@code waiting} (at start, until the pin is known and loaded).
     */
    public record Pin(String versionId, ServedModel model, String waiting) {}

    private volatile Served served = new Served(List.of(), null);
    private volatile Pin pin;
    /** The latest version of each line served beside the live one ({@link ServedLines}), by line. */
    private volatile Map<String, ServedModel> beside = Map.of();
    private volatile String waitingFor = "no model version has been published on rlhf.model-versions yet"
            + " (and rlhf.inference.model-dir is not set): bootstrap one from the dashboard or start the trainer";

    /** Makes {@code model} the current version; the oldest of the recent ones beyond {@value #RECENT_VERSIONS} is let go. */
    public synchronized void serve(ServedModel model) {
        Served now = served;
        List<ServedModel> recent = new ArrayList<>();
        recent.add(model);
        for (ServedModel m : now.recent) {
            if (recent.size() < RECENT_VERSIONS && !m.versionId().equals(model.versionId())) recent.add(m);
        }
        served = new Served(List.copyOf(recent), now.baseline == null ? model : now.baseline);
    }

    /** Sets the baseline explicitly (the first version of the line, loaded at start). */
    public synchronized void baseline(ServedModel model) {
        served = new Served(served.recent, model);
    }

    /** Sets what the answer to a request says while no model is loaded. */
    public void waitingFor(String reason) {
        waitingFor = reason;
    }

    /** Sets (or, with null, lifts) the pin: from the next comparison on, the pinned version is the latest. */
    public void pin(Pin pin) {
        this.pin = pin;
    }

    public Optional<Pin> pin() {
        return Optional.ofNullable(pin);
    }

    /** Sets the version of {@code line} that answers beside the live line's latest (null: the line is no longer served). */
    public synchronized void serveBeside(String line, ServedModel model) {
        Map<String, ServedModel> next = new java.util.TreeMap<>(beside);
        if (model == null) next.remove(line);
        else next.put(line, model);
        beside = java.util.Collections.unmodifiableMap(next);
    }

    /** The latest version of each line served beside the live one, by line. */
    public Map<String, ServedModel> besideLive() {
        return beside;
    }

    public ServedModel current() {
        Pin pinned = pin;
        if (pinned != null) {
            // with nothing loaded at all, the reason is the usual one, not the pin's
            if (pinned.model() == null) throw new NoModelException(served.current() == null ? waitingFor : pinned.waiting());
            return pinned.model();
        }
        ServedModel current = served.current();
        if (current == null) throw new NoModelException(waitingFor);
        return current;
    }

    public boolean hasModel() {
        Pin pinned = pin;
        return pinned != null ? pinned.model() != null : served.current() != null;
    }

    /** The resident version {@code versionId}, if it is one: any of them can answer. */
    public Optional<ServedModel> find(String versionId) {
        Served now = served;
        Pin pinned = pin;
        if (pinned != null && pinned.model() != null && pinned.model().versionId().equals(versionId)) return Optional.of(pinned.model());
        if (now.baseline != null && now.baseline.versionId().equals(versionId)) return Optional.of(now.baseline);
        return now.recent.stream().filter(m -> m.versionId().equals(versionId)).findFirst()
                .or(() -> beside.values().stream().filter(m -> m.versionId().equals(versionId)).findFirst());
    }

    /** Every resident model: the recent versions, newest first, then the baseline (once). */
    public List<ServedModel> resident() {
        Served now = served;
        List<ServedModel> all = new ArrayList<>(now.recent);
        if (now.baseline != null && all.stream().noneMatch(m -> m.versionId().equals(now.baseline.versionId()))) all.add(now.baseline);
        Pin pinned = pin;
        if (pinned != null && pinned.model() != null && all.stream().noneMatch(m -> m.versionId().equals(pinned.versionId()))) {
            all.add(pinned.model());
        }
        return all;
    }

    /**
     * The version id of each model served, by role: current, previous, baseline, and the older
     * recent ones as resident (roles not filled are left out; a version has its first role only).
     */
    public Map<String, String> versionsByRole() {
        Served now = served;
        Map<String, String> roles = new LinkedHashMap<>();
        if (now.current() != null) roles.put("current", now.current().versionId());
        if (now.previous() != null) roles.put("previous", now.previous().versionId());
        if (now.baseline != null) roles.put("baseline", now.baseline.versionId());
        for (int i = 2; i < now.recent.size(); i++) roles.put("resident-" + (i + 1), now.recent.get(i).versionId());
        Pin pinned = pin;
        if (pinned != null && pinned.model() != null) roles.put("pinned", pinned.versionId());
        beside.forEach((line, model) -> roles.put("line-" + line, model.versionId()));
        return roles;
    }

    public Pair pair(CompareMode mode) {
        return pair(mode, java.util.concurrent.ThreadLocalRandom.current());
    }

    /** The two models of a comparison in {@code mode}; {@code random} draws the other resident version of {@code LATEST_VS_RESIDENT}. */
    public Pair pair(CompareMode mode, java.util.random.RandomGenerator random) {
        if (mode == CompareMode.LINE_VS_LINE) return ServedLines.pair(current(), beside.values(), random);
        if (pin != null) return LineControlWatcher.pinnedPair(current(), served.baseline, mode);
        Served now = served;
        if (now.current() == null) throw new NoModelException(waitingFor);
        ServedModel other = switch (mode) {
            case LATEST, LINE_VS_LINE -> now.current();
            case LATEST_VS_PREVIOUS -> now.previous();
            case LATEST_VS_BASELINE -> now.baseline;
            case LATEST_VS_RESIDENT -> {
                List<ServedModel> others = resident().stream().filter(m -> !m.versionId().equals(now.current().versionId())).toList();
                yield others.isEmpty() ? null : others.get(random.nextInt(others.size()));
            }
        };
        return new Pair(now.current(), other == null ? now.current() : other);
    }
}
