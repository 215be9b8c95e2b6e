package dev.rlhfloop.service;

import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Follows the compacted {@code rlhf.raters} topic from its beginning on a thread of its own and hands
 * every rater record to {@code apply}: the feedback service's rater directory and the trainer's list
 * of forgotten raters are both this. {@link #awaitLoaded} waits until the topic has been read to where
 * it ended at the start; a slow or restarting broker delays that, never stops the following.
 */
public final class RaterLog {
    private final CompactedLog<Rater> log;

    /** Starts following at once; {@code onLoaded} runs once, when the start's end is reached. */
    public RaterLog(String bootstrapServers, String clientId, Consumer<Rater> apply, Runnable onLoaded) {
        log = new CompactedLog<>(bootstrapServers, clientId, Topics.RATERS, Rater.class, apply, onLoaded);
    }

    /** True once the topic has been read to where it ended at the start; waits at most {@code timeout} for it. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return log.awaitLoaded(timeout);
    }

    public void stop() {
        log.stop();
    }
}
