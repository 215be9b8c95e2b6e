package dev.rlhfloop.inference;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A follower thread's loop: apply the current state, then sleep until something changes (or a
 * while passes: longer when the state settled, shortly when it must be tried again). Changes are
 * counted, so one heard while the state is being applied is not slept through.
 */
final class Wakeups {
    private static final Duration SETTLED = Duration.ofSeconds(30);
    /** How soon an apply that did not settle is tried again. */
    static final Duration RETRY = Duration.ofSeconds(2);

    private final Object changed = new Object();
    private long heard;
    private volatile boolean stopping;

    /** Something changed: the loop applies the state again now. */
    void wake() {
        synchronized (changed) {
            heard++;
            changed.notifyAll();
        }
    }

    void stop() {
        stopping = true;
        wake();
    }

    /** Runs {@code apply} (true: settled) after every change until {@link #stop()}. */
    void loop(BooleanSupplier apply) throws InterruptedException {
        while (!stopping) {
            long before;
            synchronized (changed) {
                before = heard;
            }
            boolean settled = apply.getAsBoolean();
            synchronized (changed) {
                if (heard == before && !stopping) changed.wait((settled ? SETTLED : RETRY).toMillis());
            }
        }
    }
}
