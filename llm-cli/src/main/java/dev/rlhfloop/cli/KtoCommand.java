package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.FeedbackData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.Kto;
import dev.rlhfloop.llm.rlhf.KtoSettings;
import dev.rlhfloop.llm.rlhf.KtoTrainer;
import dev.rlhfloop.llm.rlhf.SftMixer;
import dev.rlhfloop.llm.rlhf.TokenizedFeedback;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code llm kto --model DIR --data FILE --out DIR [...]}: KTO of the model on thumbs-up/down
 * ratings of single answers, against the model as it was given; every {@code --held-out-every}-th
 * rating is held out to measure the loss and accuracy on.
 */
@Command(name = "kto", mixinStandardHelpOptions = true,
        description = "KTO of a model on ratings of single answers (JSON Lines of {prompt, completion, label: true|false}), "
                + "with progress and a table of the train and held-out metrics per epoch.")
public final class KtoCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    SftMixOptions sftMix;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Ratings: JSON list or JSON Lines of {prompt, completion, label}; label true = thumbs up, false = thumbs down.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the trained policy.")
    Path outDir;

    @Option(names = "--held-out-every", defaultValue = "10", paramLabel = "N",
            description = "Hold out every N-th rating for evaluation (default ${DEFAULT-VALUE}; 0 = none).")
    int heldOutEvery;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the ratings (default 1).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Ratings per step, at least 2 (default 8).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "RATE", description = "AdamW learning rate (default 1e-4, the loop's).")
    Float learningRate;

    @Option(names = "--beta", paramLabel = "B", description = "KTO's beta (default 0.1).")
    Double beta;

    @Option(names = "--desirable-weight", paramLabel = "W", description = "Weight of thumbs-up answers (default 1).")
    Double desirableWeight;

    @Option(names = "--undesirable-weight", paramLabel = "W", description = "Weight of thumbs-down answers (default 1).")
    Double undesirableWeight;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the shuffling order.")
    Long seed;

    @Override
    void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        KtoSettings settings = settings();
        Gpt policy = model.load();
        Tokenizer tokenizer = model.tokenizer();
        int context = policy.config().contextLength();
        List<TokenizedFeedback> train = new ArrayList<>();
        List<TokenizedFeedback> heldOut = new ArrayList<>();
        List<FeedbackData.Rating> ratings = FeedbackData.readRatings(data);
        for (int i = 0; i < ratings.size(); i++) {
            TokenizedFeedback rating = encode(ratings.get(i), tokenizer, context);
            (heldOutEvery > 1 && i % heldOutEvery == heldOutEvery - 1 ? heldOut : train).add(rating);
        }
        long liked = ratings.stream().filter(FeedbackData.Rating::desirable).count();
        err.printf(Locale.ROOT, "policy %s, %d ratings (%d thumbs up, %d down): %d to train on, %d held out%n", model.directory,
                ratings.size(), liked, ratings.size() - liked, train.size(), heldOut.size());

        long started = System.nanoTime();
        StepLine line = new StepLine(err, "kto");
        KtoTrainer.Listener progress = step -> line.step((long) (step.epoch() - 1) * step.stepsPerEpoch() + step.step(),
                (long) settings.epochs() * step.stepsPerEpoch(), String.format(Locale.ROOT, "epoch %d loss %.4f %s", step.epoch(),
                        step.metrics().loss(), TrainingProgress.clock(Duration.ofNanos(System.nanoTime() - started))));
        SftMixer mixer = sftMix.mixer(tokenizer, context, settings.seed());
        List<KtoTrainer.Epoch> epochs = KtoTrainer.train(policy, policy.copy(), train, heldOut, settings, tokenizer.endOfTextId(), mixer, progress);

        GptCheckpoint.save(policy, outDir, Map.of("kind", "kto-policy"));
        Files.copy(model.directory.resolve("tokenizer.json"), outDir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        MetricsTable table = new MetricsTable("epoch");
        for (KtoTrainer.Epoch epoch : epochs) {
            Map<String, Double> row = new LinkedHashMap<>();
            put(row, "train", epoch.train());
            if (epoch.heldOut() != null) {
                put(row, "heldOut", epoch.heldOut());
            }
            table.add(String.valueOf(epoch.epoch()), row);
        }
        table.print(out);
        if (mixer != null) out.printf(Locale.ROOT, "SFT mix: mean SFT loss of its steps %.4f%n", mixer.meanLoss());
        out.printf(Locale.ROOT, "kto: %d epochs in %.1f s, policy saved in %s%n", settings.epochs(), (System.nanoTime() - started) / 1e9,
                outDir);
    }

    /** The update's KTO settings (UpdateSettings' defaults) with the options given; sequences up to 1,024 tokens (and the context). */
    private KtoSettings settings() {
        return UpdateSettings.defaults().with(s -> {
            if (epochs != null) s.kto.epochs = epochs;
            if (learningRate != null) s.kto.learningRate = learningRate;
            if (beta != null) s.kto.beta = beta;
            if (desirableWeight != null) s.kto.desirableWeight = desirableWeight;
            if (undesirableWeight != null) s.kto.undesirableWeight = undesirableWeight;
            if (batch != null) s.batchSize = batch;
        }).ktoSettings(seed != null ? seed : DEFAULT_SEED, 1024);
    }

    /** The shuffling order's seed when none is given. */
    private static final long DEFAULT_SEED = 123;

    /** The answer (with end-of-text, so KTO also learns where to stop) up to half the context, and the end of the prompt. */
    private static TokenizedFeedback encode(FeedbackData.Rating rating, Tokenizer tokenizer, int context) {
        int[] answer = tokenizer.encode(rating.completion());
        answer = Arrays.copyOf(answer, Math.min(answer.length + 1, context / 2));
        answer[answer.length - 1] = tokenizer.endOfTextId();
        int[] prompt = tokenizer.encode(rating.prompt());
        int room = context - answer.length;
        if (prompt.length > room) {
            prompt = Arrays.copyOfRange(prompt, prompt.length - room, prompt.length);
        }
        return new TokenizedFeedback(prompt, answer, rating.desirable());
    }

    private static void put(Map<String, Double> row, String prefix, Kto.Metrics m) {
        row.put(prefix + "Loss", m.loss());
        row.put(prefix + "Liked", m.desirableReward());
        row.put(prefix + "Disliked", m.undesirableReward());
        row.put(prefix + "RefPoint", m.referencePoint());
        row.put(prefix + "Accuracy", m.accuracy());
    }
}
