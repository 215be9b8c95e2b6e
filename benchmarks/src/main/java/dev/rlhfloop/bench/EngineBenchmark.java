package dev.rlhfloop.bench;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.train.Trainer;
import dev.rlhfloop.llm.train.TrainerSettings;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Training and batch-1 generation speed of the engine, beside the PyTorch peer
 * (shared/bench/torch_gpt_peer.py) run with the same settings when {@code --peer} is given.
 *
 * <pre>./bench EngineBenchmark train nano [--batch 8] [--ctx 256] [--steps 5] [--peer]
 * ./bench EngineBenchmark generate gpt2-124m [--new-tokens 64] [--weights fp32,bf16,int8] [--peer]</pre>
 *
 * Generation prints one line per weight format ({@link Gpt#packForInference}; "unpacked" is the
 * fp32 parameters read through {@code Matmul}, as before packing existed), interleaved run by run.
 */
public final class EngineBenchmark {

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: EngineBenchmark train|generate PRESET [--batch B] [--ctx T] [--steps N] [--new-tokens N] [--peer]");
            System.exit(2);
        }
        String mode = args[0];
        String preset = args[1];
        int batch = 8, ctx = 0, steps = 5, newTokens = 64;
        String weights = "fp32,bf16,int8";
        boolean peer = false;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--ctx" -> ctx = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--new-tokens" -> newTokens = Integer.parseInt(args[++i]);
                case "--weights" -> weights = args[++i];
                case "--peer" -> peer = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GptConfig config = GptConfig.preset(preset);
        int length = ctx > 0 ? ctx : config.contextLength();
        String ours = switch (mode) {
            case "train" -> train(config, preset, batch, length, steps);
            case "generate" -> generate(config, preset, newTokens, weights);
            default -> throw new IllegalArgumentException("mode must be train or generate");
        };
        System.out.println(ours);
        if (peer) {
            PeerBlas.Setup setup;
            try {
                setup = PeerBlas.setUp(PYTHON);
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
                System.exit(2);
                return;
            }
            setup.notes().forEach(note -> System.out.println("peer BLAS: " + note));
            PeerBlas.Probe blas = setup.probe();
            Optional<String> refusal = PeerBlas.refusal(blas.mapped());
            if (refusal.isPresent()) {
                System.err.println("refusing to run the peer: " + refusal.get());
                System.exit(2);
            }
            System.out.println("peer BLAS: " + blas.mapped() + blas.core().map(core -> ", OpenBLAS core " + core).orElse(""));
            List<String> command = new ArrayList<>(List.of(PYTHON, "-c", PEER_CPU_WRAPPER, peerScript().toString(), "--config", preset,
                    "--mode", mode, "--threads", Integer.toString(Parallel.threads())));
            if (mode.equals("train")) {
                command.addAll(List.of("--batch", Integer.toString(batch), "--ctx", Integer.toString(length), "--steps", Integer.toString(steps)));
            } else {
                command.addAll(List.of("--new-tokens", Integer.toString(newTokens)));
            }
            ProcessBuilder peerProcess = new ProcessBuilder(command).redirectErrorStream(true);
            setup.coreType().applyTo(peerProcess.environment());
            Process process = peerProcess.start();
            List<String> lines;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                lines = reader.lines().toList();
            }
            process.waitFor();
            for (String line : lines) {
                if (!line.startsWith("{\"peer_timed_cpu_s\"")) {
                    System.out.println(line);
                }
            }
            if (mode.equals("train")) {
                System.out.println(trainRatios(ours, lines, (double) batch * length * steps));
            }
        }
    }

    private static String train(GptConfig config, String preset, int batchSize, int length, int steps) {
        Random random = new Random(0);
        int[] ids = random.ints((long) batchSize * (length + 1), 0, config.vocabSize()).toArray();
        int[] inputs = new int[batchSize * length];
        int[] targets = new int[batchSize * length];
        for (int b = 0; b < batchSize; b++) {
            System.arraycopy(ids, b * (length + 1), inputs, b * length, length);
            System.arraycopy(ids, b * (length + 1) + 1, targets, b * length, length);
        }
        Batch batch = new Batch(batchSize, length, inputs, targets);
        Trainer trainer = new Trainer(Gpt.create(config, 0), TrainerSettings.constant(3e-4f));
        trainer.step(batch); // warm-up (JIT, allocation)
        long cpuStart = OS.getProcessCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            trainer.step(batch);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (OS.getProcessCpuTime() - cpuStart) / 1e9;
        double tokens = (double) batchSize * length * steps;
        return String.format("{\"engine\": \"rlhf-loop\", \"config\": \"%s\", \"mode\": \"train\", \"params\": %d, \"threads\": %d, "
                        + "\"batch\": %d, \"ctx\": %d, \"tokens_per_s\": %.1f, \"cpu_s\": %.2f, \"cpu_tokens_per_s\": %.1f, \"load_average\": %.1f}",
                preset, config.parameterCount(), Parallel.threads(), batchSize, length, tokens / seconds, cpuSeconds,
                tokens * Parallel.threads() / cpuSeconds, OS.getSystemLoadAverage());
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /**
     * Runs the peer script as its own main, recording the process's CPU time (every thread:
     * PyTorch's and OpenBLAS's) at each {@code time.perf_counter()} call; in train mode the script
     * calls it exactly twice, around the timed steps, so the last two marks bound them.
     */
    private static final String PEER_CPU_WRAPPER = String.join("\n",
            "import json, runpy, sys, time",
            "marks = []",
            "wall = time.perf_counter",
            "def counter():",
            "    marks.append(time.process_time())",
            "    return wall()",
            "time.perf_counter = counter",
            "sys.argv = sys.argv[1:]",
            "runpy.run_path(sys.argv[0], run_name='__main__')",
            "if len(marks) >= 2:",
            "    print(json.dumps({'peer_timed_cpu_s': marks[-1] - marks[-2]}))");

    /**
     * Batch-1 decode speed per weight format: every format generates the same 16-token prompt
     * once to warm up, then {@code ROUNDS} times, formats interleaved round by round so that a
     * change in the machine's load touches all of them; the best round is reported (the least
     * disturbed by other processes), with the median beside it.
     */
    private static String generate(GptConfig config, String preset, int newTokens, String weights) {
        Gpt base = Gpt.create(config, 0);
        int[] prompt = new Random(0).ints(16, 0, config.vocabSize()).toArray();
        SamplingSettings settings = new SamplingSettings(0.8f, 0, 1f, newTokens, 1, -1);
        List<String> labels = new ArrayList<>();
        List<Generator> generators = new ArrayList<>();
        for (String label : weights.split(",")) {
            Gpt model = base.sharingWeights(); // a view per format: packing one does not replace another's copy
            if (!label.trim().equals("unpacked")) {
                model.packForInference(WeightFormat.parse(label));
            }
            labels.add(label.trim());
            generators.add(new Generator(model));
        }
        double[][] rates = new double[labels.size()][ROUNDS];
        for (Generator generator : generators) {
            generator.generate(prompt, settings); // warm-up
        }
        for (int round = 0; round < ROUNDS; round++) {
            for (int f = 0; f < generators.size(); f++) {
                long start = System.nanoTime();
                generators.get(f).generate(prompt, settings);
                rates[f][round] = newTokens / ((System.nanoTime() - start) / 1e9);
            }
        }
        StringBuilder lines = new StringBuilder();
        for (int f = 0; f < labels.size(); f++) {
            double[] sorted = rates[f].clone();
            java.util.Arrays.sort(sorted);
            if (f > 0) {
                lines.append('\n');
            }
            lines.append(String.format("{\"engine\": \"rlhf-loop\", \"config\": \"%s\", \"mode\": \"generate\", \"weights\": \"%s\", "
                            + "\"params\": %d, \"threads\": %d, \"new_tokens\": %d, \"tokens_per_s\": %.1f, \"median_tokens_per_s\": %.1f, "
                            + "\"load_average\": %.1f}",
                    preset, labels.get(f), config.parameterCount(), Parallel.threads(), newTokens, sorted[ROUNDS - 1],
                    sorted[ROUNDS / 2], java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        }
        return lines.toString();
    }

    /** The peer's CPU-time tokens/s and both ratios, from our line and the peer's output. */
    private static String trainRatios(String ours, List<String> peerLines, double tokens) {
        double peerWall = Double.NaN;
        double peerCpu = Double.NaN;
        for (String line : peerLines) {
            if (line.contains("\"tokens_per_s\"")) {
                peerWall = number(line, "tokens_per_s");
            } else if (line.startsWith("{\"peer_timed_cpu_s\"")) {
                peerCpu = tokens * Parallel.threads() / number(line, "peer_timed_cpu_s");
            }
        }
        return String.format("{\"peer_cpu_tokens_per_s\": %.1f, \"ratio_wall\": %.2f, \"ratio_cpu\": %.2f, \"load_average\": %.1f}",
                peerCpu, number(ours, "tokens_per_s") / peerWall, number(ours, "cpu_tokens_per_s") / peerCpu,
                OS.getSystemLoadAverage());
    }

    private static double number(String json, String key) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\": ([0-9.eE+-]+)").matcher(json);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static final int ROUNDS = 5;

    private static final String PYTHON = "/usr/bin/python3";

    private static Path peerScript() {
        for (Path at = Path.of("").toAbsolutePath(); at != null; at = at.getParent()) {
            Path candidate = at.resolve("shared/bench/torch_gpt_peer.py");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/bench/torch_gpt_peer.py not found above " + Path.of("").toAbsolutePath());
    }
}
