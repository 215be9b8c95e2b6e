package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.ModelVersion;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import org.jboss.logging.Logger;

/**
 * The lines the admin serves beside the live one ({@link LineControl#served}, on {@code rlhf.line-control}):
 * each one's latest version (its pinned one, else its newest on the registry) is kept resident in the
 * {@link ModelRegistry}, hot-loaded as new ones are published, and let go when the line stops being
 * served. Loading runs on a thread of its own, so the live line's hot-loading never waits for it.
 */
@ApplicationScoped
public class ServedLines {
    private static final Logger LOG = Logger.getLogger(ServedLines.class);

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    ModelVersionWatcher versions;

    /** Every version of a line other than the live one read from the registry, by id. */
    private final Map<String, ModelVersion> announced = new ConcurrentHashMap<>();
    /** The admin's control of each line other than the live one, as last read. */
    private final Map<String, LineControl> controls = new ConcurrentHashMap<>();
    private final Wakeups wakeups = new Wakeups();
    private Thread loader;

    void start(@Observes StartupEvent event) {
        loader = new Thread(this::follow, "served-lines");
        loader.setDaemon(true);
        loader.start();
    }

    void stop(@Observes ShutdownEvent event) {
        wakeups.stop();
    }

    /** A version of another line read from the registry (at start or later). */
    void announced(ModelVersion version) {
        if (version.modelLine().equals(config.modelLine())) return;
        announced.put(version.versionId(), version);
        if (isServed(version.modelLine())) wakeups.wake();
    }

    /** A line control read from {@code rlhf.line-control}. */
    void controlled(LineControl control) {
        if (control.line().equals(config.modelLine())) return;
        LineControl before = controls.put(control.line(), control);
        if (control.served() || (before != null && before.served())) wakeups.wake();
    }

    /**
     * Checks that a comparison asked for in {@code line-vs-line} mode can be made: a line is served
     * (else 400, saying how to serve one) and one's version is loaded (else 503, for a moment).
     */
    void requireServed() {
        List<String> served = controls.values().stream().filter(LineControl::served).map(LineControl::line).sorted().toList();
        if (served.isEmpty()) {
            throw new ComparisonService.BadRequestException("no line is served beside the live line '" + config.modelLine()
                    + "': the admin serves a replay's line with POST /api/lines/{line}/serve (llm admin serve LINE)");
        }
        if (registry.besideLive().isEmpty()) {
            throw new ModelRegistry.NoModelException("line " + String.join(", ", served) + " is served beside the live line; "
                    + "its version is not loaded yet: try again shortly");
        }
    }

    /**
     * The two models of a line-vs-line comparison: the live line's {@code live} against the latest of
     * one of the lines served {@code beside} it, drawn uniformly; two samples of {@code live} while none is.
     */
    static ModelRegistry.Pair pair(ServedModel live, Collection<ServedModel> beside, RandomGenerator random) {
        List<ServedModel> others = List.copyOf(beside);
        return new ModelRegistry.Pair(live, others.isEmpty() ? live : others.get(random.nextInt(others.size())));
    }

    private boolean isServed(String line) {
        LineControl control = controls.get(line);
        return control != null && control.served();
    }

    private void follow() {
        try {
            wakeups.loop(this::reconcile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "stopped following the lines served beside the live one");
        }
    }

    /** Makes the resident versions beside the live line what the controls ask; false when one could not be loaded yet. */
    private boolean reconcile() {
        boolean settled = true;
        for (String line : registry.besideLive().keySet()) {
            if (!isServed(line)) {
                registry.serveBeside(line, null);
                LOG.infof("line %s is no longer served beside the live line", line);
                versions.showServed();
            }
        }
        for (LineControl control : controls.values()) {
            if (!control.served()) continue;
            Optional<ModelVersion> wanted = wanted(control);
            if (wanted.isEmpty()) {
                LOG.infof("line %s is served beside the live line; %s", control.line(), control.isPinned()
                        ? "its pinned version " + control.pinnedVersion() + " is not on the registry yet" : "it has no version on the registry yet");
                continue; // its version's announcement wakes this thread
            }
            ServedModel now = registry.besideLive().get(control.line());
            if (now != null && now.versionId().equals(wanted.get().versionId())) continue;
            Optional<ServedModel> model = versions.load(wanted.get());
            if (model.isEmpty()) {
                settled = false;
                continue;
            }
            registry.serveBeside(control.line(), model.get());
            LOG.infof("line %s: version %s answers beside the live line", control.line(), wanted.get().versionId());
            versions.showServed();
        }
        return settled;
    }

    /** The line's pinned version, else its newest. */
    private Optional<ModelVersion> wanted(LineControl control) {
        if (control.isPinned()) return Optional.ofNullable(announced.get(control.pinnedVersion()));
        return announced.values().stream().filter(v -> v.modelLine().equals(control.line()))
                .max(Comparator.comparing(ModelVersion::createdAt).thenComparing(ModelVersion::versionId));
    }
}
