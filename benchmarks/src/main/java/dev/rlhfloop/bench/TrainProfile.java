package dev.rlhfloop.bench;

import dev.rlhfloop.llm.model.Attention;
import dev.rlhfloop.llm.model.BlockWeights;
import dev.rlhfloop.llm.model.CrossEntropy;
import dev.rlhfloop.llm.model.Embedding;
import dev.rlhfloop.llm.model.Gelu;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.GptWeights;
import dev.rlhfloop.llm.model.LayerNorm;
import dev.rlhfloop.llm.model.Linear;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.tensor.Matmul;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.GradientClipping;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Where a training step's time goes: the layer calls {@link Gpt}'s loss, backward and the
 * trainer's clipping and AdamW make, in the same order on the same shapes, each timed by the
 * CPU time of the threads that compute (the caller and the {@code llm-kernel} pool) and by wall clock.
 * CPU time is what a layer costs the cores whatever else runs on the machine; wall clock shows
 * the hand-offs and waits a CPU figure hides.
 *
 * <pre>./bench TrainProfile nano [--batch 8] [--ctx 256] [--steps 10]</pre>
 */
public final class TrainProfile {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<String, long[]> spent = new LinkedHashMap<>();
    private long[] computing = new long[0];
    private boolean recording;

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "nano";
        int batch = 8, ctx = 0, steps = 10;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GptConfig config = GptConfig.preset(preset);
        int length = ctx > 0 ? ctx : config.contextLength();
        new TrainProfile().run(config, preset, batch, length, steps);
    }

    private void time(String label, Runnable work) {
        if (!recording) {
            work.run();
            return;
        }
        long cpu = cpuTime();
        long wall = System.nanoTime();
        work.run();
        long[] total = spent.computeIfAbsent(label, k -> new long[2]);
        total[0] += cpuTime() - cpu;
        total[1] += System.nanoTime() - wall;
    }

    private void run(GptConfig config, String preset, int batchSize, int length, int steps) {
        Gpt gpt = Gpt.create(config, 0);
        GptWeights w = gpt.weights();
        List<Parameter> parameters = gpt.parameters();
        AdamW adamW = new AdamW(parameters, AdamWSettings.defaults());
        int rows = batchSize * length;
        int c = config.embedDim();
        int v = config.vocabSize();
        int heads = config.heads();
        int layers = config.layers();
        Random random = new Random(0);
        int[] tokens = random.ints(rows, 0, v).toArray();
        int[] targets = random.ints(rows, 0, v).toArray();

        float[] encoded = new float[rows * c];
        float[][] ln1 = new float[layers][rows * c], ln1Mean = new float[layers][rows], ln1Rstd = new float[layers][rows];
        float[][] qkv = new float[layers][rows * 3 * c], att = new float[layers][rows * c], lse = new float[layers][rows * heads];
        float[][] mid = new float[layers][rows * c], ln2 = new float[layers][rows * c];
        float[][] ln2Mean = new float[layers][rows], ln2Rstd = new float[layers][rows];
        float[][] fc = new float[layers][rows * 4 * c], fcGelu = new float[layers][rows * 4 * c], out = new float[layers][rows * c];
        float[] lnf = new float[rows * c], lnfMean = new float[rows], lnfRstd = new float[rows];
        float[] projection = new float[rows * c], logits = new float[rows * v], logProbs = new float[rows];
        float[] dres = new float[rows * c], dnorm = new float[rows * c], dfc = new float[rows * 4 * c];
        float[] datt = new float[rows * c], dqkv = new float[rows * 3 * c], dlogProbs = new float[rows];
        float eps = config.layerNormEpsilon();

        int warmup = 3;
        for (int step = 0; step < warmup + steps; step++) {
            recording = step >= warmup;
            if (step == warmup) {
                computing = computingThreads();
            }
            long stepCpu = cpuTime();
            long stepWall = System.nanoTime();
            time("zero grad", () -> Parallel.forEach(0, parameters.size(), i -> parameters.get(i).zeroGrad()));
            time("embedding fwd", () -> Embedding.forward(encoded, tokens, w.tokenEmbedding.data(), w.positionEmbedding.data(),
                    batchSize, length, 0, c, v));
            for (int l = 0; l < layers; l++) {
                BlockWeights b = w.blocks.get(l);
                float[] x = l == 0 ? encoded : out[l - 1];
                int layer = l;
                time("layernorm fwd", () -> LayerNorm.forward(ln1[layer], ln1Mean[layer], ln1Rstd[layer], x, b.ln1Weight.data(),
                        b.ln1Bias.data(), rows, c, eps));
                linearForward(qkv[l], ln1[l], b.qkvWeight, b.qkvBias, rows, c, 3 * c);
                time("attention fwd", () -> Attention.forward(att[layer], lse[layer], qkv[layer], batchSize, length, c, heads, 0f, 0));
                linearForward(projection, att[l], b.attnProjWeight, b.attnProjBias, rows, c, c);
                time("residual fwd", () -> residual(mid[layer], x, projection, rows * c));
                time("layernorm fwd", () -> LayerNorm.forward(ln2[layer], ln2Mean[layer], ln2Rstd[layer], mid[layer],
                        b.ln2Weight.data(), b.ln2Bias.data(), rows, c, eps));
                linearForward(fc[l], ln2[l], b.fcWeight, b.fcBias, rows, c, 4 * c);
                time("gelu fwd", () -> Gelu.forward(fcGelu[layer], fc[layer], rows * 4 * c));
                linearForward(projection, fcGelu[l], b.fcProjWeight, b.fcProjBias, rows, 4 * c, c);
                time("residual fwd", () -> residual(out[layer], mid[layer], projection, rows * c));
            }
            float[] last = out[layers - 1];
            time("layernorm fwd", () -> LayerNorm.forward(lnf, lnfMean, lnfRstd, last, w.finalNormWeight.data(),
                    w.finalNormBias.data(), rows, c, eps));
            time("matmul head fwd", () -> Matmul.multiply(logits, 0, lnf, 0, false, w.head.data(), 0, true, rows, v, c, false));
            time("cross-entropy fwd", () -> CrossEntropy.softmaxLogProbs(logits, targets, logProbs, rows, v));

            Arrays.fill(dlogProbs, -1f / rows);
            time("cross-entropy bwd", () -> CrossEntropy.backward(logits, targets, dlogProbs, rows, v));
            time("matmul head bwd", () -> {
                Matmul.multiply(dnorm, 0, logits, 0, false, w.head.data(), 0, false, rows, c, v, false);
                Matmul.multiply(w.head.grad(), 0, logits, 0, true, lnf, 0, false, v, c, rows, true);
            });
            Arrays.fill(dres, 0f);
            time("layernorm bwd", () -> LayerNorm.backward(dres, w.finalNormWeight.grad(), w.finalNormBias.grad(), dnorm, last,
                    w.finalNormWeight.data(), lnfMean, lnfRstd, rows, c));
            for (int l = layers - 1; l >= 0; l--) {
                BlockWeights b = w.blocks.get(l);
                float[] x = l == 0 ? encoded : out[l - 1];
                int layer = l;
                // without dropout the projections' backward reads the residual gradient itself, as Gpt's does
                linearBackward(dfc, b.fcProjWeight, b.fcProjBias, dres, fcGelu[l], rows, 4 * c, c);
                time("gelu bwd", () -> Gelu.backward(dfc, fc[layer], dfc, rows * 4 * c));
                linearBackward(dnorm, b.fcWeight, b.fcBias, dfc, ln2[l], rows, c, 4 * c);
                time("layernorm bwd", () -> LayerNorm.backward(dres, b.ln2Weight.grad(), b.ln2Bias.grad(), dnorm, mid[layer],
                        b.ln2Weight.data(), ln2Mean[layer], ln2Rstd[layer], rows, c));
                linearBackward(datt, b.attnProjWeight, b.attnProjBias, dres, att[l], rows, c, c);
                time("attention bwd", () -> Attention.backward(dqkv, datt, qkv[layer], att[layer], lse[layer], batchSize, length, c,
                        heads, 0f, 0));
                linearBackward(dnorm, b.qkvWeight, b.qkvBias, dqkv, ln1[l], rows, c, 3 * c);
                time("layernorm bwd", () -> LayerNorm.backward(dres, b.ln1Weight.grad(), b.ln1Bias.grad(), dnorm, x,
                        b.ln1Weight.data(), ln1Mean[layer], ln1Rstd[layer], rows, c));
            }
            time("embedding bwd", () -> Embedding.backward(w.tokenEmbedding.grad(), w.positionEmbedding.grad(), dres, tokens,
                    batchSize, length, c));
            double[] norm = new double[1];
            time("grad norm", () -> norm[0] = GradientClipping.globalNorm(parameters));
            time("adamw (+ clipping)", () -> adamW.update(3e-4f, GradientClipping.factor(norm[0], 1.0)));
            if (recording) {
                long[] total = spent.computeIfAbsent("= whole step", k -> new long[2]);
                total[0] += cpuTime() - stepCpu;
                total[1] += System.nanoTime() - stepWall;
            }
        }
        print(preset, batchSize, length, steps);
    }

    /** The caller and the kernel pool's threads (the pool has started by the end of the warm-up). */
    private static long[] computingThreads() {
        List<Long> ids = new ArrayList<>(List.of(Thread.currentThread().getId()));
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("llm-kernel")) {
                ids.add(thread.getId());
            }
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private long cpuTime() {
        long sum = 0;
        for (long id : computing) {
            sum += Math.max(0, THREADS.getThreadCpuTime(id));
        }
        return sum;
    }

    private void linearForward(float[] out, float[] in, Parameter weight, Parameter bias, int rows, int ins, int outs) {
        time("matmul fwd", () -> Matmul.multiply(out, 0, in, 0, false, weight.data(), 0, false, rows, outs, ins, false));
        time("bias fwd", () -> Parallel.forEach(0, rows, row -> VectorMath.add(bias.data(), 0, out, row * outs, outs)));
    }

    private void linearBackward(float[] din, Parameter weight, Parameter bias, float[] dout, float[] in, int rows, int ins, int outs) {
        time("matmul bwd dx", () -> Matmul.multiply(din, 0, dout, 0, false, weight.data(), 0, true, rows, ins, outs, false));
        time("matmul bwd dW (+ bias)", () -> Linear.backward(null, weight.grad(), bias.grad(), dout, in, weight.data(), rows, ins,
                outs));
    }

    /** As Gpt's: each chunk copied and added by the thread that owns it. */
    private static void residual(float[] out, float[] a, float[] b, int n) {
        int chunk = 1 << 14;
        Parallel.forEach(0, (n + chunk - 1) / chunk, i -> {
            int length = Math.min(chunk, n - i * chunk);
            System.arraycopy(a, i * chunk, out, i * chunk, length);
            VectorMath.add(b, i * chunk, out, i * chunk, length);
        });
    }

    private void print(String preset, int batchSize, int length, int steps) {
        long[] whole = spent.remove("= whole step");
        long cpuSum = 0;
        for (long[] t : spent.values()) {
            cpuSum += t[0];
        }
        System.out.printf("%s, batch %d x ctx %d, %d kernel threads, %d steps, load average %.1f%n", preset, batchSize, length,
                Parallel.threads(), steps, OS.getSystemLoadAverage());
        System.out.printf("%-24s %10s %7s %10s%n", "part", "CPU ms", "CPU %", "wall ms");
        List<Map.Entry<String, long[]>> entries = new ArrayList<>(spent.entrySet());
        entries.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        for (Map.Entry<String, long[]> e : entries) {
            System.out.printf("%-24s %10.1f %6.1f%% %10.1f%n", e.getKey(), e.getValue()[0] / 1e6 / steps,
                    100.0 * e.getValue()[0] / cpuSum, e.getValue()[1] / 1e6 / steps);
        }
        System.out.printf("%-24s %10.1f %7s %10.1f%n", "whole step", whole[0] / 1e6 / steps, "", whole[1] / 1e6 / steps);
        double tokens = (double) batchSize * length * steps;
        System.out.printf("tokens/s: %.1f by wall, %.1f by CPU time x %d threads%n", tokens / (whole[1] / 1e9),
                tokens * Parallel.threads() / (whole[0] / 1e9), Parallel.threads());
    }
}
