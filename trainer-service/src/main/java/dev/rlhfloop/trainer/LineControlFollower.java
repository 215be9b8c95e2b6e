package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.service.control.LineControls;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The admin's line controls as this trainer follows them ({@code rlhf.line-control}): a paused line
 * cuts no batches (its pairs wait on the log, so nothing is lost, and the line resumes where it
 * stood), and a line with a versions-kept count is pruned whenever it changes and after each
 * version it publishes. Until the topic is read to its end every line counts as paused, so a restart
 * never trains a version of a line the admin paused.
 */
@ApplicationScoped
public class LineControlFollower {
    @Inject
    TrainerConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private volatile LineControls controls;
    private ModelStore store;

    void start(@Observes StartupEvent event) {
        store = new ModelStore(config.dataDir());
        controls = LineControls.follow(bootstrapServers, "rlhf-trainer-line-control-" + UUID.randomUUID(), this::changed);
    }

    void stop(@Observes ShutdownEvent event) {
        if (controls != null) controls.close();
    }

    /** Whether {@code line} may cut no batch now: the admin paused it, or the controls are not read yet. */
    public boolean holds(String line) {
        LineControls now = controls;
        return now == null || !now.caughtUp() || now.of(line).paused();
    }

    public LineControl of(String line) {
        LineControls now = controls;
        return now == null ? LineControl.none(line) : now.of(line);
    }

    /** Whether every control on the topic has been read: before, a change could overwrite what the admin set. */
    public boolean caughtUp() {
        LineControls now = controls;
        return now != null && now.caughtUp();
    }

    /** The lines the admin serves beside the live one, by name. */
    public java.util.List<String> servedLines() {
        LineControls now = controls;
        return now == null ? java.util.List.of() : now.all().stream().filter(LineControl::served).map(LineControl::line).sorted().toList();
    }

    /** Stores the admin's control on the topic; every trainer and inference instance follows it. */
    public LineControl publish(LineControl control) {
        return controls.publish(control);
    }

    /** After a version of {@code line} was published: older ones beyond the kept count go. */
    public void published(String line) {
        prune(of(line));
    }

    private void changed(LineControl control) {
        prune(control);
    }

    private synchronized void prune(LineControl control) {
        if (control.versionsKept() != null) VersionPruner.prune(store, control);
    }
}
