package dev.rlhfloop.bench;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.sample.BatchScheduler;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Serving under concurrency, in process: N comparisons requested at once, two answers each, decoded
 * by the inference service's scheduler ({@link BatchScheduler}, continuous batching) on one model
 * with random weights, packed for inference as the service loads a version ({@code --weights}, fp32
 * by default as {@code rlhf.inference.weights}; {@code unpacked} reads the training layout). Per level: time to first token and to done (p50/p95 over the answers, from
 * the moment all were requested), total tokens/s, the mean batch; and the batch-1 figure (four
 * comparisons' answers decoded one at a time, as before batching) for the ratio. Each figure is the best of
 * {@code --rounds} interleaved rounds. Tokens per CPU second (the process's CPU time) is what a run
 * cost whatever else the machine was doing: the figure to compare on a loaded machine.
 *
 * <pre>./bench ServeBenchmark [--concurrent 1,8,32] [--preset nano] [--new-tokens 64] [--prompt-tokens 40] [--max-batch 64] [--rounds 3] [--best-of 1] [--weights fp32]</pre>
 *
 * With {@code --best-of N} each answer is served as {@code rlhf.inference.best-of} serves it: N
 * candidates decoded in the same batch, scored by a reward model (a copy of the model with a random
 * head), the best streamed whole, so its first token comes once all N are done and scored; tokens/s
 * then counts every candidate's tokens (what was computed), and "done" is when the answer is shown.
 *
 * Answers run to the token limit (random weights never sample a stop token), with the service's
 * sampling defaults (temperature 0.8, top-k 40).
 */
public final class ServeBenchmark {

    private record Answer(long firstTokenNanos, long doneNanos, int tokens) {}

    private record Level(int comparisons, int maxBatch, double[] firstToken, double[] done, double tokensPerSecond, double meanBatch,
                         double tokensPerCpuSecond) {}

    /**
     * Comparisons the batch-1 figure decodes one answer at a time: 8 answers, ~0.15 s on {@code nano}.
     * A single comparison (two answers, ~30 ms) gave figures 2,200 to 4,400 tokens/s apart from run to run.
     */
    private static final int BATCH_ONE_COMPARISONS = 4;

    public static void main(String[] args) throws Exception {
        int[] levels = {1, 8, 32};
        String preset = "nano";
        int newTokens = 64;
        int promptTokens = 40;
        int maxBatch = BatchScheduler.MAX_BATCH;
        int rounds = 3;
        int bestOf = 1;
        String weights = "fp32";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--concurrent" -> levels = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--preset" -> preset = args[++i];
                case "--new-tokens" -> newTokens = Integer.parseInt(args[++i]);
                case "--prompt-tokens" -> promptTokens = Integer.parseInt(args[++i]);
                case "--max-batch" -> maxBatch = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--best-of" -> bestOf = Integer.parseInt(args[++i]);
                case "--weights" -> weights = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--concurrent 1,8,32 --preset nano --new-tokens 64 --prompt-tokens 40 --max-batch 64 --rounds 3 --best-of 1 --weights fp32|bf16|int8|unpacked)");
            }
        }
        GptConfig config = GptConfig.preset(preset);
        Gpt gpt = Gpt.create(config, 0);
        RewardModel rewardModel = bestOf > 1 ? RewardModel.fromPolicy(gpt, 1) : null;
        if (!weights.equals("unpacked")) {
            gpt.packForInference(WeightFormat.parse(weights)); // as the inference service loads every version
        }
        System.out.printf("ServeBenchmark: %s (%,d parameters), %s weights, %d kernel threads, %d-token prompts, %d new tokens per answer, "
                + "two answers per comparison, max batch %d, best of %d rounds%s%n", preset, config.parameterCount(), weights, Parallel.threads(),
                promptTokens, newTokens, maxBatch, rounds, bestOf > 1 ? ", each answer the best of " + bestOf + " by a reward model" : "");
        Serving serving = new Serving(gpt, rewardModel, bestOf);
        run(serving, 4, maxBatch, promptTokens, newTokens); // warm-up: JIT and buffers
        run(new Serving(gpt, null, 1), BATCH_ONE_COMPARISONS, 1, promptTokens, newTokens); // and the one-row step
        // Rounds interleave the levels and the batch-1 run, so load from outside hits them alike;
        // each figure is its level's round with the most tokens/s (load only ever slows a round).
        Level batchOne = null;
        Level[] best = new Level[levels.length];
        Level[] oneSample = new Level[levels.length]; // with --best-of: the same levels sampled once, interleaved, to compare with
        for (int round = 0; round < rounds; round++) {
            batchOne = faster(batchOne, run(new Serving(gpt, null, 1), BATCH_ONE_COMPARISONS, 1, promptTokens, newTokens));
            for (int i = 0; i < levels.length; i++) {
                best[i] = faster(best[i], run(serving, levels[i], maxBatch, promptTokens, newTokens));
                if (bestOf > 1) oneSample[i] = faster(oneSample[i], run(new Serving(gpt, null, 1), levels[i], maxBatch, promptTokens, newTokens));
            }
        }
        if (bestOf > 1) {
            System.out.println();
            System.out.printf("| concurrent comparisons | first token p50 / p95 (ms), 1 sample | best of %d | done p50 / p95 (ms), 1 sample | best of %d |%n",
                    bestOf, bestOf);
            System.out.println("| ---: | ---: | ---: | ---: | ---: |");
            for (int i = 0; i < levels.length; i++) {
                System.out.printf("| %d | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f | %.0f / %.0f |%n", levels[i], oneSample[i].firstToken()[0],
                        oneSample[i].firstToken()[1], best[i].firstToken()[0], best[i].firstToken()[1], oneSample[i].done()[0],
                        oneSample[i].done()[1], best[i].done()[0], best[i].done()[1]);
            }
            System.out.println();
        }
        System.out.printf("batch 1 (%d comparisons, their %d answers one after the other, --max-batch 1): %.1f tokens/s, %.1f tokens per CPU second%n",
                BATCH_ONE_COMPARISONS, 2 * BATCH_ONE_COMPARISONS, batchOne.tokensPerSecond(), batchOne.tokensPerCpuSecond());
        System.out.println();
        System.out.println("| concurrent comparisons | answers | first token p50 / p95 (ms) | done p50 / p95 (ms) | total tokens/s | × batch 1 | tokens per CPU s | × batch 1 | mean batch |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (Level level : best) {
            System.out.printf("| %d | %d | %.0f / %.0f | %.0f / %.0f | %.1f | %.2f× | %.1f | %.2f× | %.1f |%n", level.comparisons(),
                    2 * level.comparisons(), level.firstToken()[0], level.firstToken()[1], level.done()[0], level.done()[1],
                    level.tokensPerSecond(), level.tokensPerSecond() / batchOne.tokensPerSecond(), level.tokensPerCpuSecond(),
                    level.tokensPerCpuSecond() / batchOne.tokensPerCpuSecond(), level.meanBatch());
        }
    }

    private static Level faster(Level best, Level candidate) {
        return best == null || candidate.tokensPerSecond() > best.tokensPerSecond() ? candidate : best;
    }

    /** What answers: the model, and with {@code bestOf} above 1 the reward model that picks the best of that many candidates. */
    private record Serving(Gpt gpt, RewardModel rewardModel, int bestOf) {}

    private static Level run(Serving serving, int comparisons, int maxBatch, int promptTokens, int newTokens) throws Exception {
        Gpt gpt = serving.gpt();
        int answers = 2 * comparisons;
        BatchScheduler scheduler = new BatchScheduler(maxBatch, "serve-benchmark");
        ExecutorService callers = Executors.newFixedThreadPool(answers);
        try {
            Random random = new Random(comparisons);
            List<int[]> prompts = new ArrayList<>();
            for (int c = 0; c < comparisons; c++) {
                prompts.add(random.ints(promptTokens, 0, gpt.config().vocabSize()).toArray());
            }
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            List<Future<Answer>> futures = new ArrayList<>();
            for (int a = 0; a < answers; a++) {
                int[] prompt = prompts.get(a / 2);
                SamplingSettings settings = new SamplingSettings(0.8f, 40, 1f, newTokens, 1000L + a, -1);
                futures.add(callers.submit(() -> {
                    if (serving.bestOf() > 1) return bestOf(serving, scheduler, prompt, settings, start);
                    long[] first = {0};
                    int tokens = scheduler.generate(gpt, prompt, settings, (token, logProb) -> {
                        if (first[0] == 0) first[0] = System.nanoTime();
                        return true;
                    }).newTokens().length;
                    return new Answer(first[0] - start, System.nanoTime() - start, tokens);
                }));
            }
            double[] firstToken = new double[answers];
            double[] done = new double[answers];
            long tokens = 0;
            long end = 0;
            for (int a = 0; a < answers; a++) {
                Answer answer = futures.get(a).get();
                firstToken[a] = answer.firstTokenNanos() / 1e6;
                done[a] = answer.doneNanos() / 1e6;
                tokens += answer.tokens();
                end = Math.max(end, answer.doneNanos());
            }
            double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
            return new Level(comparisons, maxBatch, percentiles(firstToken), percentiles(done), tokens / (end / 1e9),
                    scheduler.meanBatch(), tokens / cpuSeconds);
        } finally {
            callers.shutdownNow();
            scheduler.close();
        }
    }

    /** One answer served best of n: every candidate submitted at once, then scored; it shows (first token and done) once the best is known. */
    private static Answer bestOf(Serving serving, BatchScheduler scheduler, int[] prompt, SamplingSettings settings, long start) {
        List<java.util.concurrent.CompletableFuture<Generation>> candidates = new ArrayList<>();
        for (int k = 0; k < serving.bestOf(); k++) {
            candidates.add(scheduler.submit(serving.gpt(), prompt, settings.withSeed(CandidateChoice.candidateSeed(settings.seed(), k)),
                    (token, logProb) -> true));
        }
        List<int[]> drawn = candidates.stream().map(c -> scheduler.await(c).newTokens()).toList();
        synchronized (serving.rewardModel()) {
            CandidateChoice.best(CandidateChoice.score(serving.rewardModel(), prompt, drawn));
        }
        long shown = System.nanoTime() - start;
        return new Answer(shown, shown, drawn.stream().mapToInt(t -> t.length).sum());
    }

    /** CPU time of the whole process: what the run cost whatever else the machine was doing. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** p50 and p95 by the nearest-rank method. */
    private static double[] percentiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new double[] {nearestRank(sorted, 0.50), nearestRank(sorted, 0.95)};
    }

    private static double nearestRank(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
