package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.service.control.LineControls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Serves the admin's pin of the served line ({@code rlhf.line-control}): a pinned version answers as
 * the line's latest (loaded from the registry if it is not resident), and unpinning returns to the
 * newest. Newer versions are still hot-loaded meanwhile, so unpinning is instant. At start nothing is
 * served until the controls are read (at most {@link #FIRST_READ}), so a restart never serves, even
 * briefly, a version the admin rolled back from; a change later keeps the old choice serving until the
 * new pin is loaded.
 */
@ApplicationScoped
public class LineControlWatcher {
    private static final Logger LOG = Logger.getLogger(LineControlWatcher.class);
    /** How long a start waits for the controls before serving the newest without them. */
    static final Duration FIRST_READ = Duration.ofSeconds(10);

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    ModelVersionWatcher versions;

    @Inject
    ServedLines servedLines;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private LineControls controls;
    private Thread pinner;
    private final Wakeups wakeups = new Wakeups();

    void start(@Observes StartupEvent event) {
        registry.pin(new ModelRegistry.Pin(null, null, "reading the admin's line controls (" + dev.rlhfloop.contracts.Topics.LINE_CONTROL
                + ") before serving"));
        controls = LineControls.follow(bootstrapServers, "inference-line-control-" + UUID.randomUUID(), control -> {
            if (control.line().equals(config.modelLine())) wakeups.wake();
            else servedLines.controlled(control);
        });
        pinner = new Thread(this::follow, "line-control-pin");
        pinner.setDaemon(true);
        pinner.start();
    }

    void stop(@Observes ShutdownEvent event) {
        wakeups.stop();
        if (controls != null) controls.close();
    }

    /**
     * The two models of a comparison while a version is pinned: only the pinned version and the
     * baseline answer (a roll-back takes the newer versions out of the raters' sight); the baseline in
     * the modes that pit the latest against it or against another resident version, else the pinned twice.
     */
    static ModelRegistry.Pair pinnedPair(ServedModel pinned, ServedModel baseline, CompareMode mode) {
        boolean againstBaseline = (mode == CompareMode.LATEST_VS_BASELINE || mode == CompareMode.LATEST_VS_RESIDENT) && baseline != null;
        return new ModelRegistry.Pair(pinned, againstBaseline ? baseline : pinned);
    }

    private void follow() {
        try {
            if (!controls.awaitCaughtUp(FIRST_READ)) {
                LOG.warnf("the line controls (%s) were not read within %d s: serving the newest version until they are",
                        dev.rlhfloop.contracts.Topics.LINE_CONTROL, FIRST_READ.toSeconds());
                registry.pin(null);
            }
            wakeups.loop(() -> !controls.caughtUp() || apply(controls.of(config.modelLine())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "stopped following the admin's pin of line %s", config.modelLine());
        }
    }

    /** Serves what {@code control} pins; false when the pinned version cannot be loaded yet (tried again shortly). */
    private boolean apply(LineControl control) {
        Optional<ModelRegistry.Pin> now = registry.pin();
        if (!control.isPinned()) {
            if (now.isPresent()) {
                registry.pin(null);
                LOG.infof("line %s: no version pinned, serving the newest", control.line());
                versions.showServed();
            }
            return true;
        }
        if (now.map(p -> p.model() != null && control.pinnedVersion().equals(p.versionId())).orElse(false)) return true;
        Optional<ServedModel> model = versions.loadKnown(control.pinnedVersion());
        if (model.isEmpty()) {
            if (now.isPresent() && now.get().model() == null) {
                registry.pin(new ModelRegistry.Pin(control.pinnedVersion(), null, "version " + control.pinnedVersion()
                        + " is pinned by the admin and not loaded yet"));
            }
            LOG.infof("line %s: version %s is pinned; not loadable yet (not on the registry, or its download failed), trying again in %d s",
                    control.line(), control.pinnedVersion(), Wakeups.RETRY.toSeconds());
            return false;
        }
        registry.pin(new ModelRegistry.Pin(control.pinnedVersion(), model.get(), null));
        LOG.infof("line %s: serving pinned version %s as the latest", control.line(), control.pinnedVersion());
        versions.showServed();
        return true;
    }
}
