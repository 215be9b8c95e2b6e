package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.tokenizer.TokenizerFormatException;
import dev.rlhfloop.llm.train.TrainingListener.Phase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * A model someone already has — OpenAI's GPT-2 as Hugging Face ships it, or a directory
 * {@code llm pretrain}/{@code llm sft} wrote — as the start of a model line instead of a
 * bootstrapped one: copied into a servable directory ({@code config.json}, {@code model.safetensors}
 * without dropout, and its own tokenizer as {@code tokenizer.json}, whichever of GPT-2's tokenizer
 * files it came with), then, with an instruction file, fine-tuned on the book's 85% training split
 * (chapter 7) and scored on its 10% test split.
 */
public final class BaseModel {

    /** Under the work directory: the servable copy, and the fine-tuned model when there is instruction data. */
    public static final String BASE_DIR = "base";
    public static final String SFT_DIR = "sft";

    /**
     * The chapter-7 settings for a pretrained GPT-2: two epochs of 8 examples at 5e-5 (the book's
     * AdamW rate, weight decay 0.1), no warmup, examples cut to 1024 tokens.
     */
    public static Finetuning.Settings bookFinetuning() {
        return Finetuning.Settings.defaults().withRun(RunSettings.finetuning().withEpochs(2).with(s -> {
            s.learningRate = 5e-5f;
            s.warmupSteps = 0;
        }));
    }

    /**
     * @param model      the directory to serve (the fine-tuned one when there was instruction data)
     * @param config     its shape
     * @param finetuning the SFT run, or null without instruction data
     * @param testScore  greedy answers to the test split scored by exact match and token F1, or null
     */
    public record Result(Path model, GptConfig config, TrainingResult finetuning, ExactMatch.Report testScore, double seconds) {}

    private BaseModel() {}

    /**
     * Prepares {@code source} under {@code workDir} and, with {@code instructions} (a JSON list or
     * JSON Lines file; null for none), fine-tunes it. Running it again resumes: a prepared copy is
     * kept, an interrupted fine-tuning continues from its checkpoint.
     */
    public static Result run(Path source, Path workDir, Path instructions, Finetuning.Settings settings, TrainingListener listener)
            throws IOException {
        long start = System.nanoTime();
        Path base = workDir.resolve(BASE_DIR);
        GptConfig config = prepare(source, base, listener);
        if (instructions == null) {
            return new Result(base, config, null, null, seconds(start));
        }
        InstructionData.Splits splits = InstructionData.split(InstructionData.read(instructions));
        if (splits.validation().isEmpty() || splits.test().isEmpty()) {
            throw new IllegalArgumentException(instructions + ": " + (splits.train().size() + splits.validation().size() + splits.test().size())
                    + " examples are too few for the book's 85/10/5 split (at least 20 are needed)");
        }
        Path sft = workDir.resolve(SFT_DIR);
        TrainingResult finetuning = Finetuning.run(base, sft, splits.train(), splits.validation(), settings, true, listener);
        ExactMatch.Report score = Bootstrap.score(sft, splits.test(), listener);
        return new Result(sft, config, finetuning, score, seconds(start));
    }

    /**
     * Writes a servable copy of the model directory {@code source} into {@code target} (replaced
     * whole; kept if already complete) and returns its shape. The tokenizer is the first of
     * {@code tokenizer.json}, {@code vocab.json} + {@code merges.txt}, {@code encoder.json} +
     * {@code vocab.bpe} in {@code source}; it must have GPT-2's {@code <|endoftext|>}, which ends
     * every answer, and fit the model's vocabulary.
     */
    public static GptConfig prepare(Path source, Path target, TrainingListener listener) throws IOException {
        if (Files.isRegularFile(target.resolve(TrainingCheckpoint.TOKENIZER_FILE))) {
            return GptCheckpoint.load(target).config(); // tokenizer.json is written last: the copy is complete
        }
        if (!Files.isDirectory(source)) {
            throw new IllegalArgumentException(source + " is not a directory: the base model must be a Hugging Face GPT-2 directory "
                    + "(config.json, model.safetensors and its tokenizer files)");
        }
        listener.phaseStarted(Phase.SFT, "loading the base model " + source);
        BpeTokenizer tokenizer;
        try {
            tokenizer = TokenizerFiles.load(source.toString());
        } catch (TokenizerFormatException e) {
            throw new IllegalArgumentException("the base model's tokenizer: " + e.getMessage(), e);
        }
        if (tokenizer.endOfTextId() < 0) {
            throw new IllegalArgumentException(source + ": the tokenizer has no <|endoftext|> token, which ends every answer");
        }
        Gpt gpt = GptCheckpoint.load(source);
        if (gpt.lora() != null) {
            gpt.mergeLora();
        }
        GptConfig config = gpt.config();
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException(source + ": the tokenizer has " + tokenizer.vocabSize() + " tokens but the model's vocabulary only "
                    + config.vocabSize());
        }
        if (config.dropout() != 0f) {
            // Hugging Face's GPT-2 configs carry the pretraining dropout (0.1); serving, the DPO reference and the
            // reward model want the deterministic model, and fine-tuning sets its own.
            Gpt plain = Gpt.empty(config.withDropout(0f));
            GptCheckpoint.fromTensors(plain, GptCheckpoint.toTensors(gpt), source.toString());
            gpt = plain;
            config = plain.config();
        }
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        TrainingCheckpoint.deleteTree(partial);
        GptCheckpoint.save(gpt, partial);
        TokenizerFiles.writeHuggingFace(tokenizer, partial.resolve(TrainingCheckpoint.TOKENIZER_FILE));
        TrainingCheckpoint.deleteTree(target);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        listener.phaseFinished(Phase.SFT, String.format(Locale.ROOT, "base model %s: %s %,d parameters, tokenizer of %,d tokens",
                source, Pretraining.describe(config), config.parameterCount(), tokenizer.vocabSize()));
        return config;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    /** The examples of {@code instructions} the fine-tuned model is scored on: the book's test split. */
    public static List<InstructionExample> testSplit(Path instructions) throws IOException {
        return InstructionData.split(InstructionData.read(instructions)).test();
    }
}
