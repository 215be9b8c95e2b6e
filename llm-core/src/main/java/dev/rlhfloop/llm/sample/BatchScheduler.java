package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.tensor.Matmul;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching for callers on many threads: every sequence being generated joins its
 * model's {@link BatchDecoder}, and one thread steps them all, so each step reads a model's weights
 * once for all its sequences. Sequences join and leave between steps; at most {@code maxBatch} run
 * at once and the rest wait in arrival order (bound how many may wait before calling). Batching
 * changes no output: the step is batch-invariant, so a sequence is what its seed and settings give
 * alone with {@link Generator}.
 */
public final class BatchScheduler {

    /** The largest batch whose rows stay batch-invariant ({@link Matmul#ROW_DOT_MAX_ROWS}). */
    public static final int MAX_BATCH = Matmul.ROW_DOT_MAX_ROWS;

    /** Prompt tokens fed per step (a longer prompt still joins alone). */
    static final int PROMPT_ROWS_PER_STEP = 512;

    private final int maxBatch;
    private final LinkedBlockingQueue<Job> waiting = new LinkedBlockingQueue<>();
    /** Owned by the stepping thread. */
    private final Map<Gpt, BatchDecoder> decoders = new LinkedHashMap<>(16, 0.75f, true); // Gpt: identity equality
    private static final int IDLE_MODELS_KEPT = 3;
    private final Map<BatchDecoder.Sequence, Job> running = new IdentityHashMap<>();
    private final Thread thread;
    /** Batched steps taken and the sequences they advanced: their ratio is the mean batch. */
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong sequenceSteps = new AtomicLong();

    /** Starts the stepping thread (a daemon, named {@code name}). */
    public BatchScheduler(int maxBatch, String name) {
        if (maxBatch < 1 || maxBatch > MAX_BATCH) {
            throw new IllegalArgumentException("the batch must be 1 to " + MAX_BATCH + " sequences, was " + maxBatch);
        }
        this.maxBatch = maxBatch;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    public int maxBatch() {
        return maxBatch;
    }

    /**
     * Generates one sequence in the batch and waits for it, streaming its tokens to
     * {@code listener} on the scheduler's thread (keep it quick). Interrupting the caller ends the
     * sequence at its next token.
     */
    public Generation generate(Gpt model, int[] prompt, SamplingSettings settings, TokenListener listener) {
        return await(submit(model, prompt, settings, listener));
    }

    /**
     * Queues one sequence without waiting: a caller with several (the n candidates of a best-of-n
     * answer) submits them all, so they are decoded in the same batch, then {@link #await}s each.
     */
    public CompletableFuture<Generation> submit(Gpt model, int[] prompt, SamplingSettings settings, TokenListener listener) {
        Job job = new Job(model, prompt, settings, listener);
        waiting.add(job);
        return job.result;
    }

    /** Waits for a submitted sequence; interrupting the caller ends it at its next token. */
    public Generation await(CompletableFuture<Generation> submitted) {
        try {
            return submitted.get();
        } catch (InterruptedException e) {
            submitted.cancel(false); // the job sees it at its next token
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) throw runtime;
            if (e.getCause() instanceof Error error) throw error;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The mean number of answers a step advanced so far (1 when nothing ran concurrently). */
    public double meanBatch() {
        long taken = steps.get();
        return taken == 0 ? 0 : (double) sequenceSteps.get() / taken;
    }

    /** Stops the thread; sequences still running or waiting fail. */
    public void close() {
        thread.interrupt();
    }

    private void run() {
        try {
            while (true) {
                int promptRows = 0;
                List<Job> admitted = new ArrayList<>();
                if (running.isEmpty()) {
                    Job first = waiting.take();
                    promptRows += first.prompt.length;
                    admitted.add(first);
                    admit(first);
                }
                // Prompts join a few hundred rows per step: in a burst the first answers start
                // streaming after a fraction of the whole burst's prompt work, not after all of it.
                // A prompt admitted already in this step costs no rows: the decoder feeds it once.
                for (Job next; running.size() < maxBatch && (next = waiting.peek()) != null; ) {
                    int rows = admitted.stream().anyMatch(next::samePrompt) ? 0 : next.prompt.length;
                    if (promptRows > 0 && promptRows + rows > PROMPT_ROWS_PER_STEP) break;
                    waiting.remove();
                    promptRows += rows;
                    admitted.add(next);
                    admit(next);
                }
                for (BatchDecoder decoder : List.copyOf(decoders.values())) {
                    if (decoder.active() > 0) step(decoder);
                }
                // Idle decoders keep their buffers and caches for the next burst; beyond a few models
                // the least recently used idle ones go, so a replaced version can be collected.
                if (decoders.size() > IDLE_MODELS_KEPT) {
                    decoders.values().removeIf(decoder -> decoder.active() == 0 && decoders.size() > IDLE_MODELS_KEPT);
                }
            }
        } catch (InterruptedException e) {
            RuntimeException closed = new IllegalStateException("the batch scheduler stopped");
            running.values().forEach(job -> job.result.completeExceptionally(closed));
            waiting.forEach(job -> job.result.completeExceptionally(closed));
        }
    }

    private void admit(Job job) {
        if (job.result.isCancelled()) return;
        try {
            BatchDecoder decoder = decoders.computeIfAbsent(job.model, BatchDecoder::new);
            BatchDecoder.Sequence sequence = decoder.join(job.prompt, job.settings, job::onToken);
            if (sequence.finished()) {
                job.finish(sequence.generation());
            } else {
                job.decoder = decoder;
                running.put(sequence, job);
            }
        } catch (RuntimeException e) {
            job.result.completeExceptionally(e);
        }
    }

    private void step(BatchDecoder decoder) {
        List<BatchDecoder.Sequence> finished;
        steps.incrementAndGet();
        sequenceSteps.addAndGet(decoder.active());
        try {
            finished = decoder.step();
        } catch (RuntimeException | Error e) {
            List<BatchDecoder.Sequence> failed = new ArrayList<>();
            running.forEach((sequence, job) -> {
                if (job.decoder == decoder) failed.add(sequence);
            });
            failed.forEach(sequence -> running.remove(sequence).result.completeExceptionally(e));
            return;
        }
        for (BatchDecoder.Sequence sequence : finished) {
            running.remove(sequence).finish(sequence.generation());
        }
    }

    private static final class Job {
        final Gpt model;
        final int[] prompt;
        final SamplingSettings settings;
        final TokenListener listener;
        final CompletableFuture<Generation> result = new CompletableFuture<>();
        BatchDecoder decoder;
        RuntimeException listenerFailure;

        Job(Gpt model, int[] prompt, SamplingSettings settings, TokenListener listener) {
            this.model = model;
            this.prompt = prompt;
            this.settings = settings;
            this.listener = listener;
        }

        boolean samePrompt(Job other) {
            return model == other.model && Arrays.equals(prompt, other.prompt);
        }

        /** The listener's exception ends this sequence only, not the batch. */
        boolean onToken(int token, double logProbability) {
            if (result.isCancelled()) return false;
            try {
                return listener.onToken(token, logProbability);
            } catch (RuntimeException e) {
                listenerFailure = e;
                return false;
            }
        }

        void finish(Generation generation) {
            if (listenerFailure != null) {
                result.completeExceptionally(listenerFailure);
            } else {
                result.complete(generation);
            }
        }
    }
}
