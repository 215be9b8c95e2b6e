package dev.rlhfloop.stack;

import dev.rlhfloop.contracts.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Keeps the launcher's children running: a child found dead is started again after a back-off that
 * doubles from {@link #FIRST_BACKOFF} to {@link #MAX_BACKOFF} while it keeps dying, and starts over
 * once it has stayed up for {@link #STABLE}. Each step is logged, and the state of every child is
 * written to a JSON file the web app serves ({@code GET /api/launcher}) for its status badge.
 * Public so the whole-stack tests (e2e-tests) supervise their broker exactly as the launcher does.
 */
public final class Supervisor {
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    static final Duration STABLE = Duration.ofSeconds(60);

    /** How to see and restart one child; {@code restart} may block until it is ready, and throws if it cannot start. */
    public interface Restart {
        void run() throws Exception;
    }

    public record Child(String name, BooleanSupplier alive, Restart restart) {}

    enum State { RUNNING, RESTARTING }

    private final class Watched {
        final Child child;
        State state = State.RUNNING;
        int restarts;
        Duration backoff = FIRST_BACKOFF;
        Instant upSince = Instant.now();
        Instant nextAttempt;
        String lastFailure;

        Watched(Child child) {
            this.child = child;
        }
    }

    private final List<Watched> children = new ArrayList<>();
    private final Path statusFile;
    private final Consumer<String> log;

    /**
     * @param statusFile where the children's state is written (replaced atomically on each change)
     * @param log        one line per event (the launcher prefixes the time)
     */
    public Supervisor(Path statusFile, Consumer<String> log) {
        this.statusFile = statusFile;
        this.log = log;
    }

    public Supervisor watch(Child child) {
        children.add(new Watched(child));
        return this;
    }

    /** One round: notices deaths, restarts what is due, resets the back-off of what stayed up. Call it every second or so. */
    public void check(Instant now) {
        boolean changed = false;
        for (Watched w : children) {
            if (w.state == State.RUNNING) {
                if (w.child.alive().getAsBoolean()) {
                    if (w.backoff.compareTo(FIRST_BACKOFF) > 0 && Duration.between(w.upSince, now).compareTo(STABLE) >= 0) {
                        w.backoff = FIRST_BACKOFF;
                    }
                    continue;
                }
                w.state = State.RESTARTING;
                w.nextAttempt = now.plus(w.backoff);
                w.lastFailure = "exited at " + now;
                log.accept(w.child.name() + " exited; restarting it in " + w.backoff.toSeconds() + " s (restart " + (w.restarts + 1) + ")");
                changed = true;
            } else if (!now.isBefore(w.nextAttempt)) {
                w.restarts++;
                try {
                    w.child.restart().run();
                    w.state = State.RUNNING;
                    w.upSince = now;
                    log.accept(w.child.name() + " restarted (restart " + w.restarts + ")");
                } catch (Exception e) {
                    w.lastFailure = "restart failed at " + now + ": " + e.getMessage();
                    log.accept(w.child.name() + " did not start (" + e.getMessage() + "); trying again in "
                            + w.backoff.multipliedBy(2).toSeconds() + " s");
                }
                w.backoff = min(w.backoff.multipliedBy(2), MAX_BACKOFF);
                if (w.state == State.RESTARTING) w.nextAttempt = now.plus(w.backoff);
                changed = true;
            }
        }
        if (changed) writeStatus();
    }

    /** One child as {@code GET /api/launcher} shows it; {@code lastFailure} is null until it first died. */
    record ComponentStatus(String name, State state, int restarts, String lastFailure) {}

    record Status(List<ComponentStatus> components) {}

    Status status() {
        return new Status(children.stream().map(w -> new ComponentStatus(w.child.name(), w.state, w.restarts, w.lastFailure)).toList());
    }

    public void writeStatus() {
        try {
            Path tmp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
            Files.writeString(tmp, Json.writeString(status()), StandardCharsets.UTF_8);
            Files.move(tmp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.accept("cannot write " + statusFile + ": " + e.getMessage());
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
