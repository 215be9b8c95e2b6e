package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.tokenizer.TokenizerFormatException;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import dev.rlhfloop.llm.train.TrainingListener.Sample;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Supervised fine-tuning on instruction data (the book's chapter 7): a pretrained model learns to
 * answer Alpaca prompts, the loss counting only response tokens and the end-of-text after them.
 * The fine-tuned model goes into its own directory with the base model's tokenizer, checkpointed
 * and resumable like pretraining; greedy answers to the first validation prompts are sampled.
 */
public final class Finetuning {

    /**
     * Examples are cut to {@code maxLength} tokens (and the model's context); {@code samples}
     * validation prompts are answered at each sample point. With {@code lora} (else null) only
     * LoRA adapters train over the frozen base; {@code merge} folds them into the final model.
     */
    public record Settings(int maxLength, int samples, RunSettings run, LoraSettings lora, boolean merge) {

        public Settings {
            if (maxLength <= 1 || samples < 0) {
                throw new IllegalArgumentException("need maxLength > 1 and samples >= 0");
            }
            if (merge && lora == null) {
                throw new IllegalArgumentException("merging needs LoRA adapters");
            }
        }

        public Settings(int maxLength, int samples, RunSettings run) {
            this(maxLength, samples, run, null, false);
        }

        public static Settings defaults() {
            return new Settings(1024, 3, RunSettings.finetuning());
        }

        public Settings withMaxLength(int n) {
            return new Settings(n, samples, run, lora, merge);
        }

        public Settings withRun(RunSettings settings) {
            return new Settings(maxLength, samples, settings, lora, merge);
        }

        public Settings withLora(LoraSettings settings, boolean mergeAtEnd) {
            return new Settings(maxLength, samples, run, settings, mergeAtEnd);
        }
    }

    private Finetuning() {}

    /**
     * Fine-tunes the model in {@code baseModel} (which needs its {@code tokenizer.json}) into
     * {@code directory}. {@code resume} behaves as in {@link Pretraining#run}.
     */
    public static TrainingResult run(Path baseModel, Path directory, List<InstructionExample> trainExamples,
                                     List<InstructionExample> validationExamples, Settings settings, boolean resume,
                                     TrainingListener listener) throws IOException {
        if (Files.exists(directory) && Files.isSameFile(baseModel, directory)) {
            throw new IllegalArgumentException("the fine-tuned model needs its own directory, not the base model's (" + baseModel + ")");
        }
        if (trainExamples.isEmpty() || validationExamples.isEmpty()) {
            throw new IllegalArgumentException("fine-tuning needs training and validation examples (got "
                    + trainExamples.size() + " and " + validationExamples.size() + ")");
        }
        Files.createDirectories(directory);
        TrainingCheckpoint.State saved = Runs.existing(directory, Phase.SFT, resume).orElse(null);
        if (saved != null) {
            settings = TrainingCheckpoint.JSON.treeToValue(saved.settings(), Settings.class);
            if (saved.finished()) {
                return TrainingResult.of(directory, saved);
            }
        }
        Path tokenizerFile = directory.resolve(TrainingCheckpoint.TOKENIZER_FILE);
        if (!Files.isRegularFile(tokenizerFile)) {
            Path baseTokenizer = baseModel.resolve(TrainingCheckpoint.TOKENIZER_FILE);
            Path partial = directory.resolve(TrainingCheckpoint.TOKENIZER_FILE + ".partial");
            if (Files.isRegularFile(baseTokenizer)) {
                Files.copy(baseTokenizer, partial, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // A Hugging Face GPT-2 directory may carry only vocab.json + merges.txt: the fine-tuned model gets them as tokenizer.json.
                try {
                    TokenizerFiles.writeHuggingFace(TokenizerFiles.load(baseModel.toString()), partial);
                } catch (TokenizerFormatException e) {
                    throw new IllegalArgumentException("fine-tuning needs the model's tokenizer: " + e.getMessage(), e);
                }
            }
            Files.move(partial, tokenizerFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Tokenizer tokenizer = TokenizerFiles.readHuggingFace(tokenizerFile);
        RunSettings run = settings.run();

        Gpt base = saved == null ? GptCheckpoint.load(baseModel) : null;
        int context = saved == null ? base.config().contextLength() : GptCheckpoint.load(directory).config().contextLength();
        int maxLength = Math.min(settings.maxLength(), context);
        List<InstructionLoader.Encoded> trainItems = InstructionLoader.encodeAll(trainExamples, tokenizer);
        List<InstructionLoader.Encoded> validationItems = InstructionLoader.encodeAll(validationExamples, tokenizer);
        InstructionLoader train = new InstructionLoader(trainItems, run.batchSize(), maxLength, tokenizer.endOfTextId(), run.seed());
        if (train.batchesPerEpoch() == 0) {
            throw new IllegalArgumentException(trainExamples.size() + " training examples are fewer than one batch of " + run.batchSize());
        }
        List<Batch> trainEvaluation = train.inOrder(run.evalBatches());
        List<Batch> validation = new InstructionLoader(validationItems, run.batchSize(), maxLength, tokenizer.endOfTextId(), run.seed())
                .inOrder(run.evalBatches());
        TrainingLoop.Data data = new TrainingLoop.Data(train, trainEvaluation, validation);
        String fingerprint = Runs.fingerprint(tokenizer.vocabSize(), flatten(trainItems), flatten(validationItems));
        long total = run.totalSteps(train.batchesPerEpoch());
        TrainerSettings trainerSettings = run.trainerSettings(total);

        TrainingLoop.Start start = saved != null ? TrainingLoop.Start.resumed(directory, saved, fingerprint, trainerSettings)
                : TrainingLoop.Start.fresh(Phase.SFT, copyForTraining(base, baseModel, tokenizer, run, settings.lora()), trainerSettings, total,
                        fingerprint, settings);
        listener.phaseStarted(Phase.SFT, String.format(Locale.ROOT,
                "%s %,d training examples (%,d batches per epoch), %,d validation examples; %s step %d of %d",
                Pretraining.describe(start.trainer().model().config()), trainExamples.size(), train.batchesPerEpoch(),
                validationExamples.size(), saved != null ? "resuming after" : "starting at", start.state().step(), total));

        List<InstructionExample> sampled = validationExamples.subList(0, Math.min(settings.samples(), validationExamples.size()));
        boolean merge = settings.merge();
        TrainingResult result = TrainingLoop.run(Phase.SFT, directory, start, data, run, (model, step) -> {
            Generator generator = new Generator(model);
            List<Sample> samples = new ArrayList<>();
            for (InstructionExample example : sampled) {
                String question = example.input().isEmpty() ? example.instruction() : example.instruction() + " " + example.input();
                samples.add(new Sample(Phase.SFT, step, question,
                        ExactMatch.answer(generator, tokenizer, example.prompt(), ExactMatch.DEFAULT_MAX_NEW_TOKENS)));
            }
            return samples;
        }, listener);
        if (merge) {
            Gpt trained = GptCheckpoint.load(directory);
            if (trained.lora() != null) {
                trained.mergeLora();
                GptCheckpoint.save(trained, directory);
            }
        }
        return result;
    }

    /** A copy of the base model, with the run's dropout, to train (the base stays the reference it was). */
    private static Gpt copyForTraining(Gpt base, Path baseModel, Tokenizer tokenizer, RunSettings run, LoraSettings lora) throws IOException {
        if (base.config().vocabSize() < tokenizer.vocabSize()) {
            throw new IllegalArgumentException(baseModel + ": the model's vocabulary (" + base.config().vocabSize()
                    + ") is smaller than its tokenizer's (" + tokenizer.vocabSize() + ")");
        }
        Gpt model = Gpt.empty(base.config().withDropout(run.dropout()));
        GptCheckpoint.fromTensors(model, GptCheckpoint.toTensors(base), baseModel.toString());
        model.setDropoutState(run.seed(), 0);
        if (lora != null) {
            model.attachLora(lora, run.seed());
        }
        return model;
    }

    private static int[] flatten(List<InstructionLoader.Encoded> items) {
        int length = 0;
        for (InstructionLoader.Encoded item : items) {
            length += item.tokens().length + 1;
        }
        int[] all = new int[length];
        int at = 0;
        for (InstructionLoader.Encoded item : items) {
            all[at++] = -item.promptLength() - 1;
            System.arraycopy(item.tokens(), 0, all, at, item.tokens().length);
            at += item.tokens().length;
        }
        return all;
    }
}
