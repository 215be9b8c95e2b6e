package dev.rlhfloop.bench;

import dev.rlhfloop.llm.Engine;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.UpdateSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * What a live version costs as whole weights and as a LoRA adapter over the SFT model: per version,
 * the update itself (the loop's {@link PolicyUpdate} with its defaults on a batch of pairs), publishing
 * it as the trainer does (checkpoint + archive), the archive's size, and hot-loading it as the
 * inference service does (unpack + load; an adapter over the already resident base's shared weights).
 * The archive travels over loopback HTTP in the live loop; that copy is left out.
 *
 * <p>{@code ./bench LoraVersions [model=DIR] [ranks=0,8] [versions=3] [pairs=16] [seed=1]}: {@code model} an SFT model
 * directory (default: a random {@code nano} model: the costs depend on the shapes, not the weights); rank 0 = whole weights.
 */
public final class LoraVersions {

    private static Path tokenizer;

    public static void main(String[] args) throws IOException {
        ExperimentArgs o = ExperimentArgs.parse(args);
        if (o.has("model")) tokenizer = Path.of(o.textOr("model", "")).resolve(ModelArchive.TOKENIZER_FILE);
        Gpt sft = o.has("model") ? GptCheckpoint.load(Path.of(o.textOr("model", ""))) : Gpt.create(GptConfig.nano(), 1);
        if (sft.lora() != null) sft.mergeLora();
        int versions = o.intOr("versions", 3);
        int pairsPerVersion = o.intOr("pairs", 16);
        long seed = o.longOr("seed", 1);
        List<Integer> ranks = Arrays.stream(o.textOr("ranks", "0,8").split(",")).map(String::strip).map(Integer::parseInt).toList();
        GptConfig config = sft.config();
        System.out.printf(Locale.ROOT, "model: %s, %,d parameters; engine %s, %d-float vectors, %d cores; %d versions of %d pairs each%n%n",
                o.textOr("model", "random nano"), config.parameterCount(), Engine.version(), Engine.floatLanes(),
                Runtime.getRuntime().availableProcessors(), versions, pairsPerVersion);
        System.out.println("| version kind | archive | update (median) | publish: checkpoint + archive (median) | hot-load: unpack + load (median) |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        Path work = Files.createTempDirectory("lora-versions");
        try {
            for (int rank : ranks) {
                row(sft, rank, versions, pairsPerVersion, seed, work.resolve("rank-" + rank));
            }
        } finally {
            try (Stream<Path> paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void row(Gpt sft, int rank, int versions, int pairsPerVersion, long seed, Path work) throws IOException {
        PolicyUpdate update = new PolicyUpdate(UpdateSettings.defaults().with(s -> s.loraRank = rank));
        Gpt policy = update.newPolicy(sft, seed);
        RewardModel rewardModel = update.newRewardModel(sft, seed);
        Random random = new Random(seed);
        double[] updates = new double[versions];
        double[] publishes = new double[versions];
        double[] loads = new double[versions];
        long bytes = 0;
        for (int v = 0; v < versions; v++) {
            List<TokenizedPreference> pairs = pairs(random, pairsPerVersion, sft.config());
            long t0 = System.nanoTime();
            update.run(policy, sft, rewardModel, pairs, 0, seed + v, PolicyUpdate.Progress.NONE);
            long t1 = System.nanoTime();
            Path dir = Files.createDirectories(work.resolve("v" + v));
            Path zip = work.resolve("v" + v + ".zip");
            if (policy.lora() != null) {
                PeftAdapter.save(policy, dir, "CAUSAL_LM", "1");
                ModelArchive.packAdapter(dir, zip);
            } else {
                GptCheckpoint.save(policy, dir);
                if (tokenizer != null) Files.copy(tokenizer, dir.resolve(ModelArchive.TOKENIZER_FILE));
                else Files.writeString(dir.resolve(ModelArchive.TOKENIZER_FILE), "{}"); // a random model has none
                ModelArchive.pack(dir, zip);
            }
            long t2 = System.nanoTime();
            bytes = Files.size(zip);
            Path unpacked = work.resolve("loaded-" + v);
            Gpt loaded;
            if (policy.lora() != null) {
                ModelArchive.unpackAdapter(zip, unpacked);
                loaded = sft.sharingWeights();
                PeftAdapter.load(loaded, unpacked);
            } else {
                ModelArchive.unpack(zip, unpacked);
                loaded = GptCheckpoint.load(unpacked);
            }
            long t3 = System.nanoTime();
            updates[v] = (t1 - t0) / 1e9;
            publishes[v] = (t2 - t1) / 1e9;
            loads[v] = (t3 - t2) / 1e9;
            System.err.printf(Locale.ROOT, "rank %d version %d: update %.2f s, publish %.3f s, %,d bytes, hot-load %.3f s%n", rank, v + 1,
                    updates[v], publishes[v], bytes, loads[v]);
        }
        System.out.printf(Locale.ROOT, "| %s | %s | %.2f s | %.0f ms | %.0f ms |%n", rank == 0 ? "whole weights" : "LoRA rank " + rank,
                size(bytes), median(updates), 1000 * median(publishes), 1000 * median(loads));
    }

    /** Random pairs shaped like the loop's: a 40-token prompt, answers of 8 to 32 tokens. */
    private static List<TokenizedPreference> pairs(Random random, int count, GptConfig config) {
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pairs.add(PolicyUpdate.fit(tokens(random, 40, config), tokens(random, 8 + random.nextInt(25), config),
                    tokens(random, 8 + random.nextInt(25), config), config.contextLength(), config.vocabSize()));
        }
        return pairs;
    }

    private static int[] tokens(Random random, int n, GptConfig config) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 1 + random.nextInt(config.vocabSize() - 1);
        return ids;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0) : String.format(Locale.ROOT, "%.0f KB", bytes / 1024.0);
    }
}
