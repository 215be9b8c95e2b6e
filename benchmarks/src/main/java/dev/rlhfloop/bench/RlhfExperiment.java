package dev.rlhfloop.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.rlhf.ModelCopies;
import dev.rlhfloop.llm.rlhf.PreferenceMetrics;
import dev.rlhfloop.llm.rlhf.PreferencePair;
import dev.rlhfloop.llm.rlhf.PreferenceSettings;
import dev.rlhfloop.llm.rlhf.PreferenceTrainer;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.sample.SequenceLogProbs;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.testing.SharedData;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.LearningRateSchedule;
import dev.rlhfloop.llm.train.Trainer;
import dev.rlhfloop.llm.train.TrainerSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The book's preference experiment on {@code instruction-data-with-preference.json} (first 900
 * entries train, last 200 held out), end to end on this machine: a BPE tokenizer trained on the
 * training entries, a small GPT quickly fine-tuned on their instruction/output pairs (the SFT and
 * reference model), then a Bradley–Terry reward model and DPO from it. Prints each stage's metrics
 * per epoch as Markdown tables.
 *
 * <p>{@code ./bench RlhfExperiment [key=value ...]} with keys vocab, layers, dim, heads, context,
 * sftEpochs, sftLr, rmEpochs, rmLr, dpoEpochs, dpoLr, beta, batch, seed, data (the JSON file), and the flags
 * skipRm, skipDpo.
 */
public final class RlhfExperiment {

    private static final String PREAMBLE =
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    private record Entry(String prompt, String output, String chosen, String rejected) {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(eq < 0 ? arg : arg.substring(0, eq), eq < 0 ? "true" : arg.substring(eq + 1));
        }
        int vocab = Integer.parseInt(options.getOrDefault("vocab", "2048"));
        int layers = Integer.parseInt(options.getOrDefault("layers", "4"));
        int dim = Integer.parseInt(options.getOrDefault("dim", "256"));
        int heads = Integer.parseInt(options.getOrDefault("heads", "4"));
        int context = Integer.parseInt(options.getOrDefault("context", "256"));
        int sftEpochs = Integer.parseInt(options.getOrDefault("sftEpochs", "3"));
        float sftLr = Float.parseFloat(options.getOrDefault("sftLr", "1e-3"));
        int rmEpochs = Integer.parseInt(options.getOrDefault("rmEpochs", "2"));
        float rmLr = Float.parseFloat(options.getOrDefault("rmLr", "1e-4"));
        int dpoEpochs = Integer.parseInt(options.getOrDefault("dpoEpochs", "3"));
        float dpoLr = Float.parseFloat(options.getOrDefault("dpoLr", "5e-5"));
        double beta = Double.parseDouble(options.getOrDefault("beta", "0.1"));
        int batch = Integer.parseInt(options.getOrDefault("batch", "8"));
        long seed = Long.parseLong(options.getOrDefault("seed", "123"));
        boolean skipRm = options.containsKey("skipRm");
        boolean skipDpo = options.containsKey("skipDpo");

        Path file = options.containsKey("data") ? Path.of(options.get("data")) : SharedData.file("instruction-data-with-preference.json");
        List<Entry> entries = read(file);
        if (entries.size() < 1100) {
            throw new IllegalArgumentException(file + " has " + entries.size() + " entries, the experiment needs 1,100");
        }
        List<Entry> train = entries.subList(0, 900);
        List<Entry> heldOut = entries.subList(entries.size() - 200, entries.size());
        System.out.printf(Locale.ROOT, "data: %s, %d train / %d held-out pairs; %d threads%n", file, train.size(), heldOut.size(), Parallel.threads());

        long t0 = System.nanoTime();
        StringBuilder corpus = new StringBuilder();
        for (Entry e : train) {
            corpus.append(e.prompt()).append(e.output()).append('\n').append(e.chosen()).append('\n').append(e.rejected()).append('\n');
        }
        BpeTokenizer tokenizer = BpeTrainer.train(corpus.toString(), vocab);
        int eot = tokenizer.endOfTextId();
        System.out.printf(Locale.ROOT, "tokenizer: %d tokens trained on %,d characters in %.1f s%n",
                tokenizer.vocabSize(), corpus.length(), seconds(t0));

        GptConfig config = GptConfig.of(tokenizer.vocabSize(), context, dim, heads, layers);
        Gpt sft = Gpt.create(config, seed);
        System.out.printf(Locale.ROOT, "model: %d layers, %d heads, %d dims, context %d, vocab %d: %,d parameters%n",
                layers, heads, dim, context, tokenizer.vocabSize(), config.parameterCount());

        // ---- SFT: next-token loss on the answers (prompt masked), the book's chapter 7 on a small model
        List<int[]> prompts = new ArrayList<>();
        List<int[]> outputs = new ArrayList<>();
        for (Entry e : train) {
            prompts.add(tokenizer.encode(e.prompt()));
            outputs.add(withEnd(tokenizer.encode(e.output()), eot));
        }
        List<int[]> heldPrompts = new ArrayList<>();
        List<int[]> heldOutputs = new ArrayList<>();
        for (Entry e : heldOut) {
            heldPrompts.add(tokenizer.encode(e.prompt()));
            heldOutputs.add(withEnd(tokenizer.encode(e.output()), eot));
        }
        List<Batch> heldBatches = sftBatches(heldPrompts, heldOutputs, batch, eot, context, null);
        int stepsPerEpoch = (train.size() + batch - 1) / batch;
        int totalSteps = stepsPerEpoch * sftEpochs;
        Trainer trainer = new Trainer(sft, new TrainerSettings(
                new LearningRateSchedule(sftLr, sftLr / 10, Math.min(20, totalSteps), totalSteps), AdamWSettings.defaults(), 1.0));
        System.out.println();
        System.out.println("| SFT epoch | train loss | held-out loss | seconds |");
        System.out.println("| ---: | ---: | ---: | ---: |");
        System.out.printf(Locale.ROOT, "| 0 | | %.3f | |%n", trainer.evaluate(heldBatches));
        for (int epoch = 1; epoch <= sftEpochs; epoch++) {
            long start = System.nanoTime();
            double sum = 0;
            List<Batch> batches = sftBatches(prompts, outputs, batch, eot, context, new Random(seed + epoch));
            for (int i = 0; i < batches.size(); i++) {
                sum += trainer.step(batches.get(i)).loss();
                if ((i + 1) % 20 == 0) {
                    System.err.printf(Locale.ROOT, "SFT epoch %d step %d/%d: loss %.3f, %.0f s%n", epoch, i + 1, batches.size(), sum / (i + 1), seconds(start));
                }
            }
            System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %.0f |%n", epoch, sum / batches.size(), trainer.evaluate(heldBatches), seconds(start));
        }
        sft.setTraining(false);

        List<PreferencePair> trainPairs = pairs(train, tokenizer);
        List<PreferencePair> heldPairs = pairs(heldOut, tokenizer);
        PreferenceSettings base = PreferenceSettings.defaults().withBatchSize(batch).withSeed(seed).withMaxLength(context);

        if (!skipRm) {
            long start = System.nanoTime();
            RewardModel rewardModel = RewardModel.fromPolicy(sft, seed);
            List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.rewardModel(rewardModel, trainPairs, heldPairs,
                    base.withLearningRate(rmLr).withWeightDecay(0.0f).withEpochs(rmEpochs), eot, progress("reward model"));
            System.out.println();
            System.out.printf(Locale.ROOT, "reward model (lr %.0e, batch %d), %.0f s:%n%n", rmLr, batch, seconds(start));
            System.out.println("| epoch | train loss | train accuracy | held-out loss | held-out accuracy | held-out margin |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
            for (PreferenceTrainer.Epoch e : epochs) {
                System.out.printf(Locale.ROOT, "| %d | %.3f | %.1f%% | %.3f | %.1f%% | %.2f |%n", e.epoch(), e.train().loss(),
                        100 * e.train().accuracy(), e.heldOut().loss(), 100 * e.heldOut().accuracy(), e.heldOut().margin());
            }
        }

        if (!skipDpo) {
            long start = System.nanoTime();
            Gpt policy = ModelCopies.copy(sft);
            List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, sft, trainPairs, heldPairs,
                    base.withLearningRate(dpoLr).withBeta(beta).withEpochs(dpoEpochs), eot, progress("DPO"));
            System.out.println();
            System.out.printf(Locale.ROOT, "DPO (beta %.2f, lr %.0e, batch %d), %.0f s:%n%n", beta, dpoLr, batch, seconds(start));
            System.out.println("| epoch | train loss | held-out loss | train margin | held-out margin | held-out chosen | held-out rejected | held-out accuracy | KL to reference |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            for (PreferenceTrainer.Epoch e : epochs) {
                PreferenceMetrics h = e.heldOut();
                System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %.2f | %.2f | %.2f | %.2f | %.1f%% | %.4f |%n", e.epoch(), e.train().loss(), h.loss(),
                        e.train().margin(), h.margin(), h.chosenReward(), h.rejectedReward(), 100 * h.accuracy(), h.klToReference());
            }
        }
    }

    private static PreferenceTrainer.Listener progress(String what) {
        return step -> {
            if (step.step() % 20 == 0 || step.step() == step.stepsPerEpoch()) {
                System.err.printf(Locale.ROOT, "%s epoch %d step %d/%d: %s%n", what, step.epoch(), step.step(), step.stepsPerEpoch(), step.metrics());
            }
        };
    }

    private static List<PreferencePair> pairs(List<Entry> entries, BpeTokenizer tokenizer) {
        List<PreferencePair> pairs = new ArrayList<>();
        for (Entry e : entries) {
            pairs.add(new PreferencePair(tokenizer.encode(e.prompt()), withEnd(tokenizer.encode(e.chosen()), tokenizer.endOfTextId()),
                    withEnd(tokenizer.encode(e.rejected()), tokenizer.endOfTextId())));
        }
        return pairs;
    }

    private static List<Batch> sftBatches(List<int[]> prompts, List<int[]> outputs, int batchSize, int pad, int context, Random shuffle) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            order.add(i);
        }
        if (shuffle != null) {
            Collections.shuffle(order, shuffle);
        }
        List<Batch> batches = new ArrayList<>();
        for (int from = 0; from < order.size(); from += batchSize) {
            List<int[]> p = new ArrayList<>();
            List<int[]> o = new ArrayList<>();
            for (int i = from; i < Math.min(order.size(), from + batchSize); i++) {
                int[] prompt = prompts.get(order.get(i));
                int[] output = outputs.get(order.get(i));
                int keep = Math.min(output.length, context + 1 - prompt.length);
                p.add(prompt);
                o.add(java.util.Arrays.copyOf(output, Math.max(1, keep)));
            }
            batches.add(SequenceLogProbs.pack(p, o, pad, context));
        }
        return batches;
    }

    private static int[] withEnd(int[] ids, int end) {
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = end;
        return out;
    }

    /** The book's entries, with the book's (Alpaca) prompt format. */
    private static List<Entry> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        if (!root.isArray()) {
            throw new IOException(file + ": expected a JSON array of {instruction, input, output, chosen, rejected}");
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode node = root.get(i);
            for (String field : new String[] {"instruction", "chosen", "rejected"}) {
                if (!node.hasNonNull(field)) {
                    throw new IOException(file + ": entry " + i + " has no '" + field + "'");
                }
            }
            String input = node.path("input").asText("");
            String prompt = PREAMBLE + "\n\n### Instruction:\n" + node.get("instruction").asText()
                    + (input.isEmpty() ? "" : "\n\n### Input:\n" + input) + "\n\n### Response:\n";
            entries.add(new Entry(prompt, node.path("output").asText(node.get("chosen").asText()),
                    node.get("chosen").asText(), node.get("rejected").asText()));
        }
        return entries;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
