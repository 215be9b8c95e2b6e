package dev.rlhfloop.llm.tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;

/**
 * The engine's own thread pool. Kernels never use the common ForkJoinPool, which Quarkus and the
 * Kafka clients share. Work is split into fixed contiguous chunks, so a given thread count always
 * gives the same partition and, with per-index work, bit-identical results.
 */
public final class Parallel {

    private static final int THREADS = Math.max(1, Integer.getInteger(KernelThreads.PROPERTY,
            KernelThreads.defaultFor(Runtime.getRuntime().availableProcessors())));

    static {
        KernelThreads.started = THREADS;
    }

    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, runnable -> {
        Thread thread = new Thread(runnable, "llm-kernel");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * True on a thread that is running a chunk, including the caller that runs the first chunk
     * itself: nested parallel calls then run inline instead of queueing behind busy workers.
     */
    private static final ThreadLocal<Boolean> IN_CHUNK = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    /** The pool's size: see {@link KernelThreads}. */
    public static int threads() {
        return THREADS;
    }

    /** Runs {@code body} for every index in [start, end), spread over the pool's threads. */
    public static void forEach(int start, int end, IntConsumer body) {
        forChunks(start, end, (from, to) -> {
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }

    /** Splits [start, end) into at most {@link #threads()} contiguous chunks run in parallel. */
    public static void forChunks(int start, int end, RangeBody body) {
        int n = end - start;
        int chunks = Math.min(THREADS, n);
        if (chunks <= 1 || IN_CHUNK.get()) {
            if (n > 0) {
                body.run(start, end);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(chunks - 1);
        for (int c = 1; c < chunks; c++) {
            int from = start + (int) ((long) n * c / chunks);
            int to = start + (int) ((long) n * (c + 1) / chunks);
            futures.add(POOL.submit(() -> runChunk(body, from, to)));
        }
        Throwable failure = null;
        try {
            runChunk(body, start, start + n / chunks);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        // Wait for every chunk even after a failure, so no chunk still writes when the call returns.
        for (Future<?> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kernel threads", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            }
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    private static void runChunk(RangeBody body, int from, int to) {
        IN_CHUNK.set(Boolean.TRUE);
        try {
            body.run(from, to);
        } finally {
            IN_CHUNK.set(Boolean.FALSE);
        }
    }

    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }
}
