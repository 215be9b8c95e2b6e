package dev.rlhfloop.llm.tensor;

/**
 * The kernels' thread count ({@link Parallel}'s pool), set once per JVM before the first kernel
 * runs: by {@code -Dllm.threads=N}, or by a program's setting through {@link #configure} (the CLI's
 * {@code --threads}, a service's {@code rlhf.threads}); otherwise {@link #defaultFor} the machine.
 */
public final class KernelThreads {

    /** The system property the pool is sized from. */
    public static final String PROPERTY = "llm.threads";

    /** Set by {@link Parallel} when it sizes its pool: later settings cannot change it. */
    static volatile int started;
    private static boolean setHere;

    private KernelThreads() {}

    /**
     * Every core but one on machines with more than two, so the machine (a service's own threads,
     * Kafka, a desktop) stays responsive while the kernels run; every core on one or two.
     */
    public static int defaultFor(int cores) {
        return cores > 2 ? cores - 1 : Math.max(1, cores);
    }

    /**
     * Uses {@code threads} kernel threads, unless {@code -Dllm.threads} was given. {@code setting}
     * names the option in errors. Fails when the pool already runs with another count.
     */
    public static synchronized void configure(int threads, String setting) {
        if (threads < 1) {
            throw new IllegalArgumentException(setting + " must be at least 1, was " + threads);
        }
        if (System.getProperty(PROPERTY) != null && !setHere) {
            return; // -Dllm.threads was given: it wins
        }
        int running = started;
        if (running != 0 && running != threads) {
            throw new IllegalStateException(setting + "=" + threads + " came after the kernels started with " + running
                    + " threads");
        }
        System.setProperty(PROPERTY, Integer.toString(threads));
        setHere = true;
    }
}
