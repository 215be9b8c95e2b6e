package dev.rlhfloop.bench;

import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tensor.Matmul;
import dev.rlhfloop.llm.tensor.Parallel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matmul GFLOP/s for the products a GPT-2 step makes, beside OpenBLAS {@code cblas_sgemm}/{@code
 * sgemv} (a tiny C program compiled by gcc in the same run, if gcc and libopenblas-dev are
 * installed) and against this machine's fp32 peak, which it measures: an FMA loop in C (AVX2) on
 * one core gives the sustained clock (2 FMA pipes × 8 lanes × 2 flops per cycle), and the AVX2
 * peak is cores × 32 × that clock. Where the JVM's vectors are wider and its FMA loop beats that
 * (full-width AVX-512), the peak is the Java loop's.
 *
 * <p>Usage: {@code ./bench MatmulBenchmark [SECONDS_PER_SHAPE [PRESET]]} (default 1.5 s, GPT-2's
 * shapes at 512 tokens and batch 1); with a preset ({@code nano}, {@code small}, ...), the products
 * of one training step of it at batch 8 × 256 tokens instead.
 */
public final class MatmulBenchmark {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Batch-1 shapes cycle over enough copies of the weight (≥ 64 MiB) that it streams from memory, as in generation. */
    private record Shape(String name, int m, int n, int k, boolean transposeA, boolean transposeB, boolean accumulate) {
        int copies() {
            long bytes = 4L * n * k;
            return m == 1 ? (int) Math.max(1, (64L << 20) / bytes + 1) : 1;
        }

        String cArguments() {
            return m + " " + n + " " + k + " " + bit(transposeA) + " " + bit(transposeB) + " " + bit(accumulate) + " "
                    + copies();
        }

        private static String bit(boolean value) {
            return value ? "1" : "0";
        }
    }

    /**
     * Wall-clock best and median, and flops per CPU second of the computing threads × threads: on
     * a machine shared with other work, a long product is preempted, so the CPU-time figure is
     * what the kernel would do with the cores to itself.
     */
    private record Figures(double best, double median, double cpu) {
        @Override
        public String toString() {
            return String.format("%5.1f / %5.1f / %5.1f", best, median, cpu);
        }
    }

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.5;
        List<Shape> shapes = args.length > 1 ? trainingStep(GptConfig.preset(args[1]), 8 * 256) : List.of(
                new Shape("NN forward   y = x·W        512×768·768×3072", 512, 3072, 768, false, false, false),
                new Shape("NT input grad dx = dy·Wᵀ    512×3072·(768×3072)ᵀ", 512, 768, 3072, false, true, false),
                new Shape("TN weight grad dW += xᵀ·dy  (512×768)ᵀ·512×3072", 768, 3072, 512, true, false, true),
                new Shape("NN attention-size           256×64·64×256", 256, 256, 64, false, false, false),
                new Shape("m=1 qkv        1×768·768×2304", 1, 2304, 768, false, false, false),
                new Shape("m=1 mlp up     1×768·768×3072", 1, 3072, 768, false, false, false),
                new Shape("m=1 mlp down   1×3072·3072×768", 1, 768, 3072, false, false, false),
                new Shape("m=1 tied head  1×768·(50257×768)ᵀ", 1, 50257, 768, false, true, false));

        int threads = Parallel.threads();
        System.out.printf("Matmul benchmark: %d kernel threads, %d-float vectors (%s), %s, Java %s%n", threads,
                SPECIES.length(), SPECIES, cpuModel(), System.getProperty("java.version"));
        System.out.printf("load average before the run: %s (the machine is shared: numbers are noisy)%n%n",
                Files.readString(Path.of("/proc/loadavg")).trim());

        Path peer = compilePeer();
        double javaPeak = javaFmaPeak(threads, seconds);
        System.out.printf("Java Vector API FMA loop, %d threads: %.1f GFLOP/s%n", threads, javaPeak);
        double theoretical = 0;
        if (peer != null) {
            double cPeakOne = Double.parseDouble(runPeer(peer, 1, "peak", String.valueOf(seconds)).get(0));
            double cPeakAll = Double.parseDouble(runPeer(peer, threads, "peak", String.valueOf(seconds)).get(0));
            double clockGhz = cPeakOne / 32;
            theoretical = threads * 32 * clockGhz;
            System.out.printf("C FMA loop: 1 thread %.1f GFLOP/s -> sustained clock %.2f GHz; %d threads %.1f GFLOP/s%n",
                    cPeakOne, clockGhz, threads, cPeakAll);
            System.out.printf("theoretical peak = %d cores × 2 FMA pipes × 8 lanes × 2 flops × %.2f GHz = %.1f GFLOP/s"
                    + " (at the nominal %.2f GHz of /proc/cpuinfo: %.1f)%n", threads, clockGhz,
                    theoretical, nominalGhz(), threads * 32 * nominalGhz());
            if (javaPeak > theoretical) {
                System.out.printf("the Java FMA loop's %d lanes run faster than the C loop's 8: the peak is the Java loop's %.1f GFLOP/s%n",
                        SPECIES.length(), javaPeak);
                theoretical = javaPeak;
            }
            System.out.println();
        } else {
            theoretical = threads * 2 * SPECIES.length() * 2 * nominalGhz();
            System.out.printf("no gcc/libopenblas-dev: theoretical peak from the nominal clock %.2f GHz = %.1f GFLOP/s%n%n",
                    nominalGhz(), theoretical);
        }

        System.out.printf("%-50s %22s %22s %10s %9s %8s%n", "product", "Java Matmul", "OpenBLAS", "Java/BLAS",
                "Java %pk", "GB/s");
        // Java/BLAS compares the best wall-clock runs: OpenBLAS's process CPU time on this kind of host
        // came to about one thread's while both computed (its "cpu-time" figure then exceeds the peak).
        System.out.printf("%-50s %22s %22s %10s %9s %8s%n", "", "best/median/cpu-time", "best/median/cpu-time",
                "best", "cpu-time", "");
        for (Shape shape : shapes) {
            Figures java = measureJava(shape, seconds);
            Figures blas = null;
            if (peer != null) {
                String[] cols = runPeer(peer, threads, "sgemm", seconds + " " + shape.cArguments()).get(0).split(" ");
                blas = new Figures(Double.parseDouble(cols[0]), Double.parseDouble(cols[1]),
                        Double.parseDouble(cols[2]));
            }
            // Batch 1 makes 2 flops per 4-byte weight: GB/s = GFLOP/s × 2.
            String bandwidth = shape.m == 1 ? String.format("%.1f", java.cpu * 2) : "";
            System.out.printf("%-50s %22s %22s %10s %8.0f%% %8s%n", shape.name, java,
                    blas == null ? "n/a" : blas.toString(),
                    blas == null ? "" : String.format("%.2f", java.best / blas.best),
                    100 * java.cpu / theoretical, bandwidth);
        }
        System.out.println();
        System.out.println("Batch-1 rows stream their weights from memory (≥ 64 MiB of copies), so they are bound by"
                + " memory bandwidth, not by the FMA peak.");
    }

    /**
     * The products of one training step of {@code config} on {@code rows} tokens, each once: every
     * block's four projections forward, their input and weight gradients, and the tied head's three.
     */
    static List<Shape> trainingStep(GptConfig config, int rows) {
        int c = config.embedDim();
        int v = config.vocabSize();
        List<Shape> shapes = new ArrayList<>();
        int[][] projections = {{c, 3 * c}, {c, c}, {c, 4 * c}, {4 * c, c}};
        String[] names = {"qkv", "attn proj", "mlp up", "mlp down"};
        for (int i = 0; i < projections.length; i++) {
            int in = projections[i][0], out = projections[i][1];
            shapes.add(new Shape(String.format("NN %-9s %d×%d·%d×%d", names[i], rows, in, in, out), rows, out, in, false, false, false));
        }
        for (int i = 0; i < projections.length; i++) {
            int in = projections[i][0], out = projections[i][1];
            shapes.add(new Shape(String.format("NT %-9s %d×%d·(%d×%d)ᵀ", names[i], rows, out, in, out), rows, in, out, false, true, false));
        }
        for (int i = 0; i < projections.length; i++) {
            int in = projections[i][0], out = projections[i][1];
            shapes.add(new Shape(String.format("TN %-9s (%d×%d)ᵀ·%d×%d", names[i], rows, in, rows, out), in, out, rows, true, false, true));
        }
        shapes.add(new Shape(String.format("NT head     %d×%d·(%d×%d)ᵀ", rows, c, v, c), rows, v, c, false, true, false));
        shapes.add(new Shape(String.format("NN head dx  %d×%d·%d×%d", rows, v, v, c), rows, c, v, false, false, false));
        shapes.add(new Shape(String.format("TN head dW  (%d×%d)ᵀ·%d×%d", rows, v, rows, c), v, c, rows, true, false, true));
        return shapes;
    }

    private static Figures measureJava(Shape s, double seconds) {
        SplittableRandom random = new SplittableRandom(1);
        float[] a = randoms(random, s.m * s.k);
        float[][] b = new float[s.copies()][];
        for (int i = 0; i < b.length; i++) {
            b[i] = randoms(random, s.k * s.n);
        }
        float[] c = randoms(random, s.m * s.n);
        List<Double> times = new ArrayList<>();
        double bestCpu = Double.MAX_VALUE;
        long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
        long end = warmEnd + (long) (seconds * 1e9);
        for (int run = 0; ; run++) {
            long cpuStart = computingCpuNanos();
            long start = System.nanoTime();
            Matmul.multiply(c, 0, a, 0, s.transposeA, b[run % b.length], 0, s.transposeB, s.m, s.n, s.k, s.accumulate);
            long stop = System.nanoTime();
            long cpu = computingCpuNanos() - cpuStart;
            if (stop > warmEnd) {
                times.add((stop - start) / 1e9);
                bestCpu = Math.min(bestCpu, cpu / 1e9);
            }
            if (stop > end && times.size() >= 3) {
                break;
            }
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double flops = 2.0 * s.m * s.n * s.k;
        return new Figures(flops / sorted[0] / 1e9, flops / sorted[sorted.length / 2] / 1e9,
                flops / bestCpu * Parallel.threads() / 1e9);
    }

    /** CPU time of this thread and the engine's kernel threads. */
    private static long computingCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = threads.getCurrentThreadCpuTime();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals("llm-kernel")) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Ten independent vector FMA chains per thread on the engine's pool: the ceiling for Java code here. */
    private static double javaFmaPeak(int threads, double seconds) {
        double best = 0;
        float[] sink = new float[threads];
        for (int warm = 0; warm < 20_000; warm++) {
            sink[0] += fmaChains(100, warm); // compile fmaChains with C2 before timing it
        }
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int iterations = 200_000;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            Parallel.forEach(0, threads, t -> sink[t] = fmaChains(iterations, t));
            double elapsed = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, threads * (double) iterations * 10 * SPECIES.length() * 2 / elapsed / 1e9);
        }
        return best;
    }

    private static float fmaChains(int iterations, int seed) {
        FloatVector x = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector y = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(SPECIES, seed), c1 = c0, c2 = c0, c3 = c0, c4 = c0;
        FloatVector c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = c0.fma(x, y); c1 = c1.fma(x, y); c2 = c2.fma(x, y); c3 = c3.fma(x, y); c4 = c4.fma(x, y);
            c5 = c5.fma(x, y); c6 = c6.fma(x, y); c7 = c7.fma(x, y); c8 = c8.fma(x, y); c9 = c9.fma(x, y);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).lane(0);
    }

    /** Compiles the C peer (FMA peak + OpenBLAS) into a temp dir, or returns null if gcc or OpenBLAS is missing. */
    private static Path compilePeer() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("matmul-peer");
        Path source = dir.resolve("matmul_peer.c");
        try (InputStream in = MatmulBenchmark.class.getResourceAsStream("matmul_peer.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path binary = dir.resolve("matmul_peer");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-mavx2", "-mfma", "-fopenmp", source.toString(), "-o",
                    binary.toString(), "-lopenblas").redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("gcc not found: OpenBLAS column skipped");
            return null;
        }
        String output = new String(gcc.getInputStream().readAllBytes());
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0) {
            System.out.println("could not build the OpenBLAS peer (apt-get install libopenblas-dev?): "
                    + output.lines().findFirst().orElse(""));
            return null;
        }
        return binary;
    }

    private static List<String> runPeer(Path binary, int threads, String mode, String arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), mode));
        command.addAll(Arrays.asList(arguments.split(" ")));
        ProcessBuilder builder = new ProcessBuilder(command);
        // OpenBLAS's own choice of kernels, not an inherited core without AVX-512 (PeerBlas)
        PeerBlas.forThisCpu().applyTo(builder.environment());
        builder.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        builder.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process process = builder.start();
        List<String> lines = new String(process.getInputStream().readAllBytes()).lines().toList();
        if (process.waitFor() != 0 || lines.isEmpty()) {
            throw new IllegalStateException("OpenBLAS peer failed: " + command);
        }
        return lines;
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown CPU");
    }

    private static double nominalGhz() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("cpu MHz"))
                .findFirst().map(l -> Double.parseDouble(l.substring(l.indexOf(':') + 1).trim()) / 1000).orElse(0.0);
    }

    private static float[] randoms(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) (random.nextDouble() - 0.5);
        }
        return values;
    }
}
