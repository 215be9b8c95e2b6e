package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.SlidingWindowLoader;
import dev.rlhfloop.llm.data.TextCorpus;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import dev.rlhfloop.llm.train.TrainingListener.Sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Pretraining from nothing (the book's chapter 5): learn a BPE tokenizer on the corpus and the
 * Alpaca template (unless the model directory already has a {@code tokenizer.json}), cut the token stream into a training
 * and a validation part, and train next-token prediction on sliding windows, with periodic
 * validation loss, greedy samples and resumable checkpoints in the model directory.
 */
public final class Pretraining {

    /**
     * {@code model} gives the shape (its vocabulary size is replaced by the tokenizer's, its context
     * length is the window length); {@code vocabSize} is the size of the tokenizer to train;
     * windows start every {@code stride} tokens (0 = the context length, no overlap);
     * {@code validationFraction} of the tokens, at the end, validate; {@code samplePrompt} starts
     * the greedy samples.
     */
    public record Settings(GptConfig model, int vocabSize, int stride, double validationFraction, String samplePrompt,
                           RunSettings run) {

        public Settings {
            if (vocabSize < BpeTrainer.MIN_VOCAB_SIZE) {
                throw new IllegalArgumentException("vocabulary size " + vocabSize + " is below " + BpeTrainer.MIN_VOCAB_SIZE);
            }
            if (stride < 0 || !(validationFraction > 0 && validationFraction < 1) || samplePrompt == null || samplePrompt.isEmpty()) {
                throw new IllegalArgumentException("need stride >= 0, a validation fraction in (0, 1) and a sample prompt");
            }
        }

        /** The named model preset with a tokenizer of its vocabulary size and {@link RunSettings#pretraining()}. */
        public static Settings preset(String name) {
            GptConfig model = GptConfig.preset(name);
            return new Settings(model, model.vocabSize(), 0, 0.1, "Once upon a time", RunSettings.pretraining());
        }

        public int windowStride() {
            return stride == 0 ? model.contextLength() : stride;
        }

        public Settings withModel(GptConfig config) {
            return new Settings(config, vocabSize, stride, validationFraction, samplePrompt, run);
        }

        public Settings withVocabSize(int size) {
            return new Settings(model, size, stride, validationFraction, samplePrompt, run);
        }

        public Settings withStride(int n) {
            return new Settings(model, vocabSize, n, validationFraction, samplePrompt, run);
        }

        public Settings withSamplePrompt(String prompt) {
            return new Settings(model, vocabSize, stride, validationFraction, prompt, run);
        }

        public Settings withRun(RunSettings settings) {
            return new Settings(model, vocabSize, stride, validationFraction, samplePrompt, settings);
        }
    }

    private static final int SAMPLE_TOKENS = 40;

    /**
     * Copies of the Alpaca template added to the tokenizer's training text (not to the model's):
     * every model here is later fine-tuned and asked with that template, and a few copies make its
     * words whole tokens without crowding out the corpus' own.
     */
    static final int TEMPLATE_COPIES = 4;

    private Pretraining() {}

    /**
     * Pretrains into {@code directory}. With {@code resume}, an unfinished run there continues
     * from its checkpoint with its own saved settings (and a finished one is returned as it is);
     * without, a directory holding a run is an error.
     */
    public static TrainingResult run(Path directory, List<String> documents, Settings settings, boolean resume,
                                     TrainingListener listener) throws IOException {
        Files.createDirectories(directory);
        TrainingCheckpoint.State saved = Runs.existing(directory, Phase.PRETRAIN, resume).orElse(null);
        if (saved != null) {
            settings = TrainingCheckpoint.JSON.treeToValue(saved.settings(), Settings.class);
            if (saved.finished()) {
                return TrainingResult.of(directory, saved);
            }
        }
        Tokenizer tokenizer = tokenizer(directory, documents, settings.vocabSize(), listener);

        listener.phaseStarted(Phase.PRETRAIN, "encoding " + documents.size() + " documents");
        int[] tokens = TextCorpus.encode(documents, tokenizer);
        SlidingWindowLoader.Split split = SlidingWindowLoader.split(tokens, settings.validationFraction());
        int context = settings.model().contextLength();
        RunSettings run = settings.run();
        if (split.validation().length <= context) {
            throw new IllegalArgumentException("the corpus is too small: its validation part (" + split.validation().length
                    + " tokens) must exceed one window of " + context + " tokens; use a longer corpus or a shorter context");
        }
        SlidingWindowLoader train = new SlidingWindowLoader(split.train(), run.batchSize(), context, settings.windowStride(), run.seed());
        if (train.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException("the corpus is too small: " + train.windows() + " training windows, fewer than one batch of " + run.batchSize());
        }
        List<Batch> validation = new SlidingWindowLoader(split.validation(), run.batchSize(), context, context, run.seed()).inOrder(run.evalBatches());
        TrainingLoop.Data data = new TrainingLoop.Data(train, train.inOrder(run.evalBatches()), validation);
        String fingerprint = Runs.fingerprint(tokenizer.vocabSize(), split.train(), split.validation());
        long total = run.totalSteps(train.batchesPerEpoch());
        TrainerSettings trainerSettings = run.trainerSettings(total);

        TrainingLoop.Start start = saved != null ? TrainingLoop.Start.resumed(directory, saved, fingerprint, trainerSettings)
                : TrainingLoop.Start.fresh(Phase.PRETRAIN, Gpt.create(settings.model().withVocabSize(tokenizer.vocabSize())
                        .withDropout(run.dropout()), run.seed()), trainerSettings, total, fingerprint, settings);
        GptConfig config = start.trainer().model().config();
        listener.phaseStarted(Phase.PRETRAIN, String.format(Locale.ROOT,
                "%s %,d parameters; %,d training tokens (%,d windows, %,d batches per epoch), %,d validation tokens; %s step %d of %d",
                describe(config), config.parameterCount(), split.train().length, train.windows(),
                train.batchesPerEpoch(), split.validation().length, saved != null ? "resuming after" : "starting at", start.state().step(), total));

        String prompt = settings.samplePrompt();
        return TrainingLoop.run(Phase.PRETRAIN, directory, start, data, run, (model, step) -> {
            String text = ExactMatch.continuation(new Generator(model), tokenizer, prompt, SAMPLE_TOKENS);
            return List.of(new Sample(Phase.PRETRAIN, step, prompt, text));
        }, listener);
    }

    static String describe(GptConfig config) {
        return String.format(Locale.ROOT, "GPT %d layers x %d dims x %d heads, context %d, vocabulary %d, dropout %.2f;",
                config.layers(), config.embedDim(), config.heads(), config.contextLength(), config.vocabSize(), config.dropout());
    }

    /** The tokenizer in the directory, or one trained now on the corpus and saved there. */
    private static Tokenizer tokenizer(Path directory, List<String> documents, int vocabSize, TrainingListener listener) throws IOException {
        Path file = directory.resolve(TrainingCheckpoint.TOKENIZER_FILE);
        if (Files.isRegularFile(file)) {
            return TokenizerFiles.readHuggingFace(file);
        }
        listener.phaseStarted(Phase.TOKENIZER, "training a " + vocabSize + "-token BPE vocabulary on the corpus");
        long start = System.nanoTime();
        List<String> text = new ArrayList<>(documents);
        text.addAll(Collections.nCopies(TEMPLATE_COPIES, AlpacaFormat.template()));
        BpeTokenizer tokenizer = BpeTrainer.train(TextCorpus.join(text), vocabSize,
                (done, total) -> listener.working(Phase.TOKENIZER, done, total));
        Path partial = directory.resolve(TrainingCheckpoint.TOKENIZER_FILE + ".partial");
        TokenizerFiles.writeHuggingFace(tokenizer, partial);
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        listener.phaseFinished(Phase.TOKENIZER, String.format(Locale.ROOT, "%d tokens (%d merges) in %.1f s",
                tokenizer.vocabSize(), tokenizer.merges().size(), (System.nanoTime() - start) / 1e9));
        return tokenizer;
    }
}
