package dev.rlhfloop.llm.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The engine's own threads. Kernels never use the common ForkJoinPool, which Quarkus and the
 * Kafka clients share. Work is split into fixed contiguous chunks, so a given thread count always
 * gives the same partition and, with per-index work, bit-identical results.
 *
 * <p>A training step makes ~160 parallel calls. Handed over through an executor's queue, each
 * cost a parked thread's wake-up twice (~36 µs on these virtual machines, to start the worker and
 * to wake the caller at the join): 5.7 ms of a 181 ms {@code nano} step waited for the worker
 * alone. So both sides wait a short while, yielding, before they park: a worker for its next
 * chunk, the caller for the workers' chunks to end.
 */
public final class Parallel {

    private static final int THREADS = Math.max(1, Integer.getInteger(KernelThreads.PROPERTY,
            KernelThreads.defaultFor(Runtime.getRuntime().availableProcessors())));

    static {
        KernelThreads.started = THREADS;
    }

    /**
     * How long a thread waits without parking: longer than the gap between a step's parallel calls
     * (tens of µs), short enough that idle kernel threads leave the cores to other processes. While
     * it waits it yields its core to any other runnable thread rather than spin: with the trainer
     * and the inference service sharing two cores, spinning made a version's update to its first
     * answer slower than parking at once (p50 1.86-2.02 s against 1.60-1.68 in interleaved runs),
     * yielding faster (1.35-1.39 s); spinning for the first 20 µs, then yielding, was in between.
     */
    private static final long WAIT_BEFORE_PARK_NANOS = 100_000;

    private static final Worker[] WORKERS = new Worker[THREADS - 1];

    static {
        for (int w = 0; w < WORKERS.length; w++) {
            WORKERS[w] = new Worker();
            WORKERS[w].thread.start();
        }
    }

    /** Held by the caller whose chunks the workers run; a second caller meanwhile runs its chunks itself. */
    private static final AtomicBoolean WORKERS_TAKEN = new AtomicBoolean();

    /**
     * True on a thread that is running a chunk, including the caller that runs the first chunk
     * itself: nested parallel calls then run inline instead of waiting for busy workers.
     */
    private static final ThreadLocal<Boolean> IN_CHUNK = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Parallel() {}

    /** The number of kernel threads, the caller's included: see {@link KernelThreads}. */
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
        Call call = new Call(body, start, n, chunks);
        if (!WORKERS_TAKEN.compareAndSet(false, true)) {
            // Another caller has the workers: the same chunks, one after the other on this thread.
            for (int c = 0; c < chunks; c++) {
                call.run(c);
            }
            call.rethrow();
            return;
        }
        try {
            for (int c = 1; c < chunks; c++) {
                WORKERS[c - 1].hand(call, c);
            }
            call.run(0);
            call.awaitWorkers();
        } finally {
            WORKERS_TAKEN.set(false);
        }
        call.rethrow();
    }

    /** One parallel call: its chunks, how many of the workers' are still running, and the first failure. */
    private static final class Call {
        final RangeBody body;
        final int start;
        final int n;
        final int chunks;
        final AtomicInteger running;
        final AtomicReference<Throwable> workerFailure = new AtomicReference<>();
        final Thread caller = Thread.currentThread();
        Throwable ownFailure;
        volatile boolean callerParked;

        Call(RangeBody body, int start, int n, int chunks) {
            this.body = body;
            this.start = start;
            this.n = n;
            this.chunks = chunks;
            this.running = new AtomicInteger(chunks - 1);
        }

        /** Runs chunk {@code c}, keeping its failure. */
        void run(int c) {
            try {
                runChunk(body, start + (int) ((long) n * c / chunks), start + (int) ((long) n * (c + 1) / chunks));
            } catch (Throwable e) {
                if (c == 0) {
                    ownFailure = e;
                } else {
                    workerFailure.compareAndSet(null, e);
                }
            }
        }

        /** A worker's chunk is done; the last one wakes the caller if it parked. */
        void workerDone() {
            if (running.decrementAndGet() == 0 && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        void awaitWorkers() {
            long since = System.nanoTime();
            while (running.get() > 0) {
                if (yieldedBeforePark(since)) {
                    continue;
                }
                callerParked = true;
                if (running.get() > 0) {
                    LockSupport.park(this);
                }
            }
        }

        /** The caller's own chunk's failure first, else a worker's. */
        void rethrow() {
            Throwable failure = ownFailure != null ? ownFailure : workerFailure.get();
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
    }

    /** A kernel thread: runs the chunk it is handed, then waits (yielding, then parked) for the next. */
    private static final class Worker {
        final Thread thread = new Thread(this::run, "llm-kernel");
        private volatile Call call;
        private volatile int chunk;
        private volatile boolean parked;

        Worker() {
            thread.setDaemon(true);
        }

        void hand(Call next, int c) {
            chunk = c;
            call = next;
            if (parked) {
                LockSupport.unpark(thread);
            }
        }

        void run() {
            while (true) {
                Call next = awaitCall();
                int mine = chunk;
                call = null;
                next.run(mine);
                next.workerDone();
            }
        }

        private Call awaitCall() {
            long since = System.nanoTime();
            while (true) {
                Call next = call;
                if (next != null) {
                    return next;
                }
                if (yieldedBeforePark(since)) {
                    continue;
                }
                parked = true;
                if (call == null) {
                    LockSupport.park(this);
                }
                parked = false;
                since = System.nanoTime();
            }
        }
    }

    /** One turn of a wait that began at {@code since}: yields the core and says true, or false once it is time to park. */
    private static boolean yieldedBeforePark(long since) {
        if (System.nanoTime() - since >= WAIT_BEFORE_PARK_NANOS) {
            return false;
        }
        Thread.yield();
        return true;
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
