package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.service.RaterLog;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The raters the admin had forgotten, as {@code rlhf.raters} says (followed from its beginning): every
 * line skips their pairs from then on, replays included, and records which it skipped with each version.
 */
final class ForgottenRaters implements AutoCloseable {
    private final Set<String> forgotten = ConcurrentHashMap.newKeySet();
    private final RaterLog log;

    ForgottenRaters(String bootstrapServers) {
        log = new RaterLog(bootstrapServers, "trainer-forgotten-raters", this::apply, () -> {});
    }

    private void apply(Rater rater) {
        if (rater.isForgotten()) forgotten.add(rater.raterId());
    }

    boolean contains(String raterId) {
        return raterId != null && forgotten.contains(raterId);
    }

    /** Whether the topic has been read to where it ended at the start (waits at most {@code timeout}). */
    boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return log.awaitLoaded(timeout);
    }

    @Override
    public void close() {
        log.stop();
    }
}
