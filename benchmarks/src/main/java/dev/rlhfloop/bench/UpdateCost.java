package dev.rlhfloop.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.rlhf.ValueModel;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What one live version costs at a model size: the seconds and memory of one trainer update of
 * 16 pairs per algorithm, with the product's defaults ({@link UpdateSettings#defaults()}, the
 * algorithm swapped, as the trainer's line does), through {@link PolicyUpdate#run} as the trainer
 * calls it, then the checkpoint the trainer writes (policy, its archive, the reward model and its
 * archive, PPO's critic); and one row for serving (a 64-token answer from the packed model).
 *
 * <pre>./bench UpdateCost --preset gpt2-124m --algorithms reward-model,dpo,rloo,ppo,grpo,kto,kto-thumbs,serve
 * ./bench UpdateCost --preset gpt2-355m --algorithms dpo --xmx 16g</pre>
 *
 * The models have random weights ({@code Gpt.create}): time and memory depend on the shapes and the
 * token counts, not on the values. Answers are fixed-length text ({@link UpdateWorkload}); RLOO,
 * PPO and GRPO sample their own answers up to their {@code max-new-tokens} (random weights rarely
 * stop early, as GPT-2 rarely does). Each row runs in a JVM of its own ({@code --xmx}, the trainer's
 * flags, its default collector), so one row's heap does not carry into the next; the row gives the
 * wall and the process's CPU seconds, the heap resident before the update (the models), the heap
 * pools' peak during it (after a GC and a peak reset) and the process's peak RSS ({@code VmHWM}).
 * What heap suffices: run a job again at a smaller {@code --xmx} (a row that runs out says so).
 */
public final class UpdateCost {

    /** Jobs: the reward model's training alone, each algorithm's whole update, KTO on thumbs only, and serving. */
    static final List<String> JOBS = List.of("reward-model", "dpo", "rloo", "ppo", "grpo", "kto", "kto-thumbs", "serve");

    private static final String RESULT = "RESULT ";
    private static final long SEED = 1234;

    record Options(String preset, List<String> jobs, int pairs, int thumbs, int answerTokens, String xmx) {

        static Options parse(String[] args) {
            String preset = "gpt2-124m", xmx = "12g";
            List<String> jobs = List.of("dpo");
            int pairs = 16, thumbs = 16, answerTokens = 64;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--preset" -> preset = value;
                    case "--algorithms" -> jobs = Arrays.stream(value.split(",")).map(String::strip).toList();
                    case "--pairs" -> pairs = Integer.parseInt(value);
                    case "--thumbs" -> thumbs = Integer.parseInt(value);
                    case "--answer-tokens" -> answerTokens = Integer.parseInt(value);
                    case "--xmx" -> xmx = value;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
                i++;
            }
            if (GptConfig.preset(preset).vocabSize() != TokenizerFiles.GPT2_END_OF_TEXT + 1) {
                throw new IllegalArgumentException("preset " + preset + " has no GPT-2 vocabulary: UpdateCost measures GPT-2 shapes (gpt2-124m, gpt2-355m)");
            }
            for (String job : jobs) {
                if (!JOBS.contains(job)) throw new IllegalArgumentException("unknown job '" + job + "' (known: " + String.join(", ", JOBS) + ")");
            }
            if (pairs < 1 || thumbs < 2 || answerTokens < 1) throw new IllegalArgumentException("need --pairs >= 1, --thumbs >= 2, --answer-tokens >= 1");
            return new Options(preset, jobs, pairs, thumbs, answerTokens, xmx);
        }

        /** The options of one job's JVM. */
        List<String> childArgs(String job) {
            return List.of("--child", job, "--preset", preset, "--pairs", Integer.toString(pairs), "--thumbs", Integer.toString(thumbs),
                    "--answer-tokens", Integer.toString(answerTokens));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("--child")) {
            String job = args[1];
            Options options = Options.parse(Arrays.copyOfRange(args, 2, args.length));
            try {
                System.out.println(RESULT + format(job.equals("serve") ? serve(options) : update(options, job)));
            } catch (OutOfMemoryError e) {
                System.out.println(RESULT + format(Map.of("failed", "OutOfMemoryError: " + e.getMessage())));
                System.exit(3);
            }
            return;
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: UpdateCost [--preset gpt2-124m|gpt2-355m] [--algorithms " + String.join(",", JOBS)
                    + "] [--pairs 16] [--thumbs 16] [--answer-tokens 64] [--xmx 12g]");
            System.exit(2);
            return;
        }
        GptConfig config = GptConfig.preset(options.preset());
        System.out.printf(Locale.ROOT, "%s: %,d parameters; %s; -Xmx%s per job; kernel threads %d%n", options.preset(),
                config.parameterCount(), LoopQuality.Machine.here(), options.xmx(), Parallel.threads());
        List<String> rows = new ArrayList<>();
        for (String job : options.jobs()) {
            double loadBefore = LoopQuality.Machine.load();
            Map<String, String> result = runChild(options, job);
            result.put("load", String.format(Locale.ROOT, "%.1f–%.1f", Math.min(loadBefore, LoopQuality.Machine.load()),
                    Math.max(loadBefore, LoopQuality.Machine.load())));
            rows.add(row(options.preset(), job, result));
        }
        System.out.println();
        System.out.println(HEADER);
        rows.forEach(System.out::println);
    }

    static final String HEADER = """
            | preset | job | wall s | CPU s | of which reward model s | checkpoint s: files + archives | models resident MB | peak heap MB | peak RSS MB | load | notes |
            | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |""";

    /** A table row of one job's result (its JVM's {@code RESULT} line). */
    static String row(String preset, String job, Map<String, String> r) {
        if (r.containsKey("failed")) {
            return String.format("| %s | %s | failed: %s | | | | | | | %s | |", preset, job, r.get("failed"), r.getOrDefault("load", ""));
        }
        return String.format("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", preset, job, r.get("wallSeconds"),
                r.get("cpuSeconds"), r.getOrDefault("rewardModelSeconds", ""), r.getOrDefault("checkpointSeconds", ""),
                r.get("residentMb"), r.get("peakHeapMb"), r.get("peakRssMb"), r.getOrDefault("load", ""),
                r.getOrDefault("notes", ""));
    }

    /** Runs one job in a JVM of its own and reads its result line; a JVM that dies without one is a failed row. */
    private static Map<String, String> runChild(Options options, String job) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-Xmx" + options.xmx(), "-cp", System.getProperty("java.class.path"),
                UpdateCost.class.getName()));
        command.addAll(options.childArgs(job));
        System.out.println("== " + job + ": " + String.join(" ", command.subList(0, 4)) + " ... " + String.join(" ", options.childArgs(job)));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = null;
        String last = "";
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
            for (String line; (line = reader.readLine()) != null; ) {
                System.out.println("   " + line);
                if (line.startsWith(RESULT)) result = parse(line.substring(RESULT.length()));
                else if (!line.isBlank()) last = line;
            }
        }
        int exit = process.waitFor();
        if (result == null) {
            result = new LinkedHashMap<>();
            result.put("failed", "exit " + exit + (last.isEmpty() ? "" : ", " + last));
        }
        return result;
    }

    /** One trainer update of the job's algorithm on the workload, then the trainer's checkpoint of it. */
    static Map<String, String> update(Options options, String job) throws IOException {
        GptConfig config = GptConfig.preset(options.preset());
        BpeTokenizer tokenizer = TokenizerFiles.gpt2();
        int endOfText = tokenizer.endOfTextId();
        UpdateWorkload workload = UpdateWorkload.of(tokenizer, options.pairs(), options.thumbs(), options.answerTokens(), config.contextLength(),
                config.vocabSize());
        boolean thumbsOnly = job.equals("kto-thumbs");
        PolicyAlgorithm algorithm = switch (job) {
            case "reward-model" -> PolicyAlgorithm.DPO; // only the reward model trains
            case "kto-thumbs" -> PolicyAlgorithm.KTO;
            default -> PolicyAlgorithm.named(job).orElseThrow();
        };
        PolicyUpdate update = new PolicyUpdate(UpdateSettings.defaults().with(s -> s.algorithm = algorithm));
        // As a line starts from its SFT model: the frozen reference, the policy, the reward model (and PPO's critic) from it.
        Gpt reference = Gpt.create(config, SEED);
        Gpt policy = update.newPolicy(reference, SEED);
        RewardModel rewardModel = update.newRewardModel(reference, SEED);
        ValueModel critic = algorithm == PolicyAlgorithm.PPO ? update.newCritic(rewardModel) : null;
        List<TokenizedPreference> pairs = thumbsOnly ? List.of() : workload.pairs();
        // A batch's ratings as the trainer makes them for KTO: each pair's answers up and down, or the thumbs alone.
        List<TokenizedFeedback> ratings = algorithm != PolicyAlgorithm.KTO ? null : thumbsOnly ? workload.thumbs() : TokenizedFeedback.fromPairs(pairs);
        // The online pool is empty with the defaults (online pairs off), as the trainer's TrainerUpdate.onlinePool gives it.
        List<int[]> pool = List.of();
        System.err.printf(Locale.ROOT, "%s %s: %d pairs, %s ratings; prompts %s tokens, answers %d tokens%n", options.preset(), job,
                pairs.size(), ratings == null ? "no" : Integer.toString(ratings.size()), workload.promptLengths(), options.answerTokens());

        Memory memory = Memory.start();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        AtomicLong rewardModelDone = new AtomicLong();
        PolicyUpdate.Progress progress = (stage, step, total, loss) -> {
            if (stage == PolicyUpdate.Stage.REWARD_MODEL) rewardModelDone.set(System.nanoTime());
            System.err.printf(Locale.ROOT, "  %6.1f s  %s step %d/%d loss %.4f%n", (System.nanoTime() - t0) / 1e9, stage, step, total, loss);
        };
        Map<String, Double> metrics;
        if (job.equals("reward-model")) {
            metrics = update.trainRewardModel(rewardModel, update.split(update.weighted(pairs)), endOfText, SEED, progress);
        } else {
            metrics = update.run(policy, reference, rewardModel, critic, pairs, ratings, pool, endOfText, SEED, progress);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        Memory.Peaks peaks = memory.stop();

        Checkpoint checkpoint = checkpoint(job.equals("reward-model") ? null : policy, rewardModel, critic, tokenizer);
        Map<String, String> result = new LinkedHashMap<>();
        result.put("wallSeconds", String.format(Locale.ROOT, "%.1f", wall));
        result.put("cpuSeconds", String.format(Locale.ROOT, "%.1f", cpu));
        if (rewardModelDone.get() > 0 && !job.equals("reward-model")) {
            result.put("rewardModelSeconds", String.format(Locale.ROOT, "%.1f", (rewardModelDone.get() - t0) / 1e9));
        }
        result.put("checkpointSeconds", String.format(Locale.ROOT, "%.1f + %.1f", checkpoint.files(), checkpoint.archives()));
        peaks.into(result);
        String metric = job.equals("reward-model") ? "rewardTrainAccuracy" : algorithm.lossMetric();
        result.put("notes", String.format(Locale.ROOT, "%d pairs%s; %s %s", pairs.size(),
                ratings == null ? "" : ", " + ratings.size() + " ratings", metric,
                Optional.ofNullable(metrics.get(metric)).map(v -> String.format(Locale.ROOT, "%.3f", v)).orElse("-")));
        return result;
    }

    /** Seconds of a checkpoint: writing the weights' files, and packing the archives the trainer serves. */
    record Checkpoint(double files, double archives) {}

    /**
     * The trainer's checkpoint of a version, timed: the policy's weights and its archive, the reward
     * model and its archive, PPO's critic (written to a temporary directory, removed after).
     */
    private static Checkpoint checkpoint(Gpt policy, RewardModel rewardModel, ValueModel critic, BpeTokenizer tokenizer) throws IOException {
        Path dir = Files.createTempDirectory("update-cost");
        try {
            long t0 = System.nanoTime();
            Path model = dir.resolve("model");
            if (policy != null) {
                GptCheckpoint.save(policy, model);
                TokenizerFiles.writeHuggingFace(tokenizer, model.resolve(ModelArchive.TOKENIZER_FILE));
            }
            rewardModel.save(dir.resolve("reward-model"));
            if (critic != null) critic.save(dir.resolve("value-model"));
            long t1 = System.nanoTime();
            if (policy != null) ModelArchive.pack(model, dir.resolve("weights.zip"));
            ModelArchive.packStored(dir.resolve("reward-model"), dir.resolve("reward-model.zip"), RewardModel.ARCHIVE_FILES);
            return new Checkpoint((t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    /**
     * A served answer: the model packed as the inference service packs it (fp32, its default), one
     * 64-token answer (the service's {@code max-new-tokens}) to a built-in prompt at its sampling
     * settings, never stopping early; after one warm-up answer, three timed: time to the first token
     * (the prompt's prefill and one step) and decode tokens/s after it, medians.
     */
    static Map<String, String> serve(Options options) throws IOException {
        GptConfig config = GptConfig.preset(options.preset());
        BpeTokenizer tokenizer = TokenizerFiles.gpt2();
        Gpt model = Gpt.create(config, SEED);
        model.packForInference(WeightFormat.FP32);
        Memory memory = Memory.start(); // resident: one served version (its fp32 parameters and the packed copy)
        Generator generator = new Generator(model);
        int[] prompt = tokenizer.encode(AlpacaFormat.prompt(new BuiltinData(BuiltinData.DEFAULT_SEED).prompts().get(0), ""));
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] first = new double[3], rate = new double[3];
        long cpu0 = 0, t0 = 0;
        for (int run = -1; run < 3; run++) {
            if (run == 0) {
                cpu0 = os.getProcessCpuTime();
                t0 = System.nanoTime();
            }
            long start = System.nanoTime();
            long[] times = new long[2];
            int[] count = {0};
            generator.generate(prompt, new SamplingSettings(0.8f, 40, 1f, 64, SEED + run, -1), (token, logProbability) -> {
                times[count[0] == 0 ? 0 : 1] = System.nanoTime();
                count[0]++;
                return true;
            });
            if (run >= 0) {
                first[run] = (times[0] - start) / 1e9;
                rate[run] = (count[0] - 1) / ((times[1] - times[0]) / 1e9);
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        Memory.Peaks peaks = memory.stop();
        Arrays.sort(first);
        Arrays.sort(rate);
        Map<String, String> result = new LinkedHashMap<>();
        result.put("wallSeconds", String.format(Locale.ROOT, "%.1f", wall));
        result.put("cpuSeconds", String.format(Locale.ROOT, "%.1f", cpu));
        peaks.into(result);
        result.put("notes", String.format(Locale.ROOT, "3 answers of 64 tokens to a %d-token prompt, fp32, batch 1: first token %.2f s, %.1f tokens/s (medians)",
                prompt.length, first[1], rate[1]));
        return result;
    }

    /**
     * The heap and the process's memory over a measured span: the heap resident at its start (after a
     * GC), the sum of the heap pools' peaks (reset at the start; an upper bound, as pools peak at
     * different times and a collector lets garbage grow toward {@code -Xmx}: run at a smaller
     * {@code --xmx} to see what suffices) and the process's peak RSS ({@code VmHWM}, over its life).
     */
    static final class Memory {
        private final long resident;

        private Memory() {
            System.gc();
            resident = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getUsage().getUsed()).sum();
            LoopQuality.resetPeaks();
        }

        static Memory start() {
            return new Memory();
        }

        record Peaks(long residentBytes, double peakHeapMb, long peakRssBytes) {
            void into(Map<String, String> result) {
                result.put("residentMb", Long.toString(residentBytes / 1_000_000));
                result.put("peakHeapMb", String.format(Locale.ROOT, "%.0f", peakHeapMb));
                result.put("peakRssMb", peakRssBytes < 0 ? "?" : Long.toString(peakRssBytes / 1_000_000));
            }
        }

        Peaks stop() throws IOException {
            return new Peaks(resident, LoopQuality.peakHeapMb(), peakRss(Files.readString(Path.of("/proc/self/status"))));
        }
    }

    /** The process's peak resident set in bytes from the text of {@code /proc/self/status} ({@code VmHWM}), -1 without it. */
    static long peakRss(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                String[] parts = line.substring("VmHWM:".length()).strip().split("\\s+");
                long value = Long.parseLong(parts[0]);
                return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
            }
        }
        return -1;
    }

    /** A result as one line of {@code key=value} fields separated by tabs (values hold spaces, never tabs). */
    static String format(Map<String, String> result) {
        return result.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().replace('\t', ' ')).collect(Collectors.joining("\t"));
    }

    static Map<String, String> parse(String line) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String field : line.split("\t")) {
            int eq = field.indexOf('=');
            if (eq > 0) result.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return result;
    }
}
