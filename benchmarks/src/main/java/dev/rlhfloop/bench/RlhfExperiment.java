package dev.rlhfloop.bench;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.data.PreferenceData;
import dev.rlhfloop.llm.data.PreferenceExample;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.rlhf.PreferenceMetrics;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.rlhf.PreferenceTrainer;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.Rloo;
import dev.rlhfloop.llm.rlhf.RlooSettings;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.LearningRateSchedule;
import dev.rlhfloop.llm.train.Trainer;
import dev.rlhfloop.llm.train.TrainerSettings;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The book's preference experiment on {@code instruction-data-with-preference.json} (first 900
 * entries train, last 200 held out), end to end on this machine: a BPE tokenizer trained on the
 * training entries, a small GPT quickly fine-tuned from scratch on the first 900 entries of
 * {@code instruction-data.json} (the same instructions; the SFT and reference model), then a
 * Bradley–Terry reward model and DPO from it. Prints each stage's metrics
 * per epoch as Markdown tables.
 *
 * <p>{@code ./bench RlhfExperiment [key=value ...]} with keys vocab, layers, dim, heads, context,
 * sftEpochs, sftLr, rmEpochs, rmLr, dpoEpochs, dpoLr, beta, batch, seed, rlooSteps, rlooLr, and the flags skipRm, skipDpo;
 * {@code data=} (the preference file) and {@code sftData=} (the instruction file) are required: the book's files are
 * not part of the project.
 */
public final class RlhfExperiment {

    public static void main(String[] args) throws IOException {
        ExperimentArgs options = ExperimentArgs.parse(args);
        int vocab = options.intOr("vocab", 2048);
        int layers = options.intOr("layers", 4);
        int dim = options.intOr("dim", 256);
        int heads = options.intOr("heads", 4);
        int context = options.intOr("context", 256);
        int sftEpochs = options.intOr("sftEpochs", 3);
        float sftLr = options.floatOr("sftLr", 1e-3f);
        int rmEpochs = options.intOr("rmEpochs", 2);
        UpdateSettings defaults = UpdateSettings.defaults();
        float rmLr = options.floatOr("rmLr", defaults.reward().learningRate());
        int dpoEpochs = options.intOr("dpoEpochs", 3);
        float dpoLr = options.floatOr("dpoLr", defaults.dpo().learningRate());
        double beta = options.doubleOr("beta", defaults.dpo().beta());
        int batch = options.intOr("batch", 8);
        long seed = options.longOr("seed", 123);
        int rlooSteps = options.intOr("rlooSteps", 0);
        float rlooLr = options.floatOr("rlooLr", defaults.rloo().learningRate());
        boolean skipRm = options.has("skipRm");
        boolean skipDpo = options.has("skipDpo");

        if (!options.has("data") || !options.has("sftData")) {
            throw new IllegalArgumentException("RlhfExperiment runs on the book's files, which are not part of the project: pass "
                    + "data=DIR/instruction-data-with-preference.json sftData=DIR/instruction-data.json");
        }
        Path file = Path.of(options.values().get("data"));
        Path sftFile = Path.of(options.values().get("sftData"));
        List<PreferenceExample> entries = PreferenceData.read(file);
        List<InstructionExample> instructions = InstructionData.read(sftFile);
        if (entries.size() < 1100 || instructions.size() < 900) {
            throw new IllegalArgumentException(file + " and " + sftFile + " have " + entries.size() + " and " + instructions.size()
                    + " entries; the experiment needs 1,100 and 900");
        }
        List<PreferenceExample> train = entries.subList(0, 900);
        List<PreferenceExample> heldOut = entries.subList(entries.size() - 200, entries.size());
        List<InstructionExample> sftTrain = instructions.subList(0, 900);
        List<InstructionExample> sftHeldOut = instructions.subList(instructions.size() - 200, instructions.size());
        System.out.printf(Locale.ROOT, "data: %s, %d train / %d held-out pairs; SFT on the first 900 of %s; %d threads%n",
                file, train.size(), heldOut.size(), sftFile, Parallel.threads());

        long t0 = System.nanoTime();
        StringBuilder corpus = new StringBuilder();
        for (int i = 0; i < train.size(); i++) {
            PreferenceExample e = train.get(i);
            corpus.append(e.prompt()).append(sftTrain.get(i).output()).append('\n').append(e.chosen()).append('\n').append(e.rejected()).append('\n');
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
        InstructionLoader sftLoader = InstructionLoader.of(sftTrain, tokenizer, batch, context, seed);
        List<Batch> heldBatches = InstructionLoader.of(sftHeldOut, tokenizer, batch, context, seed).inOrder(Integer.MAX_VALUE);
        int stepsPerEpoch = sftLoader.batchesPerEpoch();
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
            for (int i = 0; i < stepsPerEpoch; i++) {
                sum += trainer.step(sftLoader.next()).loss();
                if ((i + 1) % 20 == 0) {
                    System.err.printf(Locale.ROOT, "SFT epoch %d step %d/%d: loss %.3f, %.0f s%n", epoch, i + 1, stepsPerEpoch, sum / (i + 1), seconds(start));
                }
            }
            System.out.printf(Locale.ROOT, "| %d | %.3f | %.3f | %.0f |%n", epoch, sum / stepsPerEpoch, trainer.evaluate(heldBatches), seconds(start));
        }
        sft.setTraining(false);

        List<TokenizedPreference> trainPairs = pairs(train, tokenizer);
        List<TokenizedPreference> heldPairs = pairs(heldOut, tokenizer);
        UpdateSettings base = defaults.with(s -> s.batchSize = batch);

        if (!skipRm) {
            long start = System.nanoTime();
            RewardModel rewardModel = RewardModel.fromPolicy(sft, seed);
            List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.rewardModel(rewardModel, trainPairs, heldPairs,
                    base.with(s -> { s.reward.learningRate = rmLr; s.reward.epochs = rmEpochs; }).rewardSettings(seed, context).with(s -> s.weightDecay = 0.0f),
                    eot, progress("reward model"));
            System.out.println();
            System.out.printf(Locale.ROOT, "reward model (lr %.0e, batch %d), %.0f s:%n%n", rmLr, batch, seconds(start));
            System.out.println("| epoch | train loss | train accuracy | held-out loss | held-out accuracy | held-out margin |");
            System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: |");
            for (PreferenceTrainer.Epoch e : epochs) {
                System.out.printf(Locale.ROOT, "| %d | %.3f | %.1f%% | %.3f | %.1f%% | %.2f |%n", e.epoch(), e.train().loss(),
                        100 * e.train().accuracy(), e.heldOut().loss(), 100 * e.heldOut().accuracy(), e.heldOut().margin());
            }
            if (rlooSteps > 0) {
                rloo(sft, rewardModel, trainPairs, heldPairs, rlooSteps, rlooLr, batch, seed, eot);
            }
        }

        if (!skipDpo) {
            long start = System.nanoTime();
            Gpt policy = sft.copy();
            List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, sft, trainPairs, heldPairs,
                    base.with(s -> { s.dpo.learningRate = dpoLr; s.dpo.beta = beta; s.dpo.epochs = dpoEpochs; }).dpoSettings(seed, context), eot,
                    progress("DPO"));
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

    /** RLOO of a copy of the SFT model against the reward model; the reward of held-out answers before and after. */
    private static void rloo(Gpt sft, RewardModel rewardModel, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                             int steps, float lr, int batch, long seed, int eot) {
        RlooSettings settings = UpdateSettings.defaults().rlooSettings(32, seed).with(s -> s.learningRate = lr);
        int maxPrompt = sft.config().contextLength() + 1 - settings.maxNewTokens();
        List<int[]> prompts = new ArrayList<>();
        for (TokenizedPreference pair : train) {
            if (pair.prompt().length <= maxPrompt) {
                prompts.add(pair.prompt());
            }
        }
        List<int[]> evalPrompts = new ArrayList<>();
        for (TokenizedPreference pair : heldOut) {
            if (pair.prompt().length <= maxPrompt && evalPrompts.size() < 48) {
                evalPrompts.add(pair.prompt());
            }
        }
        Gpt policy = sft.copy();
        long start = System.nanoTime();
        double before = heldOutReward(policy, rewardModel, evalPrompts, settings, eot);
        Rloo rloo = new Rloo(policy, sft, Rloo.Reward.of(rewardModel), settings, eot);
        System.out.println();
        System.out.printf(Locale.ROOT, "RLOO against the reward model (k %d, KL coefficient %.2f, lr %.0e, %d prompts per step, %d new tokens):%n%n",
                settings.samples(), settings.klCoefficient(), lr, batch, settings.maxNewTokens());
        System.out.println("| steps | mean reward of samples | summed log-ratio (KL) | answer tokens |");
        System.out.println("| ---: | ---: | ---: | ---: |");
        double reward = 0, kl = 0, length = 0;
        int window = 0;
        for (int step = 0; step < steps; step++) {
            List<int[]> batchPrompts = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                batchPrompts.add(prompts.get((step * batch + i) % prompts.size()));
            }
            Rloo.Metrics m = rloo.step(batchPrompts);
            reward += m.reward();
            kl += m.kl();
            length += m.responseLength();
            window++;
            System.err.printf(Locale.ROOT, "RLOO step %d/%d: %s%n", step + 1, steps, m);
            if ((step + 1) % 5 == 0 || step + 1 == steps) {
                System.out.printf(Locale.ROOT, "| %d–%d | %.3f | %.3f | %.1f |%n", step + 2 - window, step + 1, reward / window, kl / window, length / window);
                reward = kl = length = window = 0;
            }
        }
        double after = heldOutReward(policy, rewardModel, evalPrompts, settings, eot);
        System.out.printf(Locale.ROOT, "%nmean reward-model score of sampled answers to %d held-out prompts: %.3f before, %.3f after (%.0f s)%n",
                evalPrompts.size(), before, after, seconds(start));
    }

    private static double heldOutReward(Gpt policy, RewardModel rewardModel, List<int[]> prompts, RlooSettings settings, int eot) {
        Generator generator = new Generator(policy);
        List<int[]> answers = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            SamplingSettings sampling = new SamplingSettings(1f, 0, 1f, settings.maxNewTokens(), 777L + i, eot);
            answers.add(generator.generate(prompts.get(i), sampling).newTokens());
        }
        double sum = 0;
        for (double r : rewardModel.score(prompts, answers)) {
            sum += r;
        }
        return sum / prompts.size();
    }

    private static PreferenceTrainer.Listener progress(String what) {
        return step -> {
            if (step.step() % 20 == 0 || step.step() == step.stepsPerEpoch()) {
                System.err.printf(Locale.ROOT, "%s epoch %d step %d/%d: %s%n", what, step.epoch(), step.step(), step.stepsPerEpoch(), step.metrics());
            }
        };
    }

    private static List<TokenizedPreference> pairs(List<PreferenceExample> examples, BpeTokenizer tokenizer) {
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (PreferenceData.Encoded encoded : PreferenceData.encodeAll(examples, tokenizer)) {
            pairs.add(TokenizedPreference.from(encoded, tokenizer.endOfTextId()));
        }
        return pairs;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
