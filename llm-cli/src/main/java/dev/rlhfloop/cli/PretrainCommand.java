package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.TextCorpus;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.train.Pretraining;
import dev.rlhfloop.llm.train.RunSettings;
import dev.rlhfloop.llm.train.TrainingCheckpoint;
import dev.rlhfloop.llm.train.TrainingResult;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code llm pretrain --out DIR [--corpus FILE|--builtin] [--preset nano] [--steps N|--epochs N] [--resume] ...}:
 * trains a tokenizer on the corpus (or takes {@code --tokenizer}), then a GPT from scratch, into a
 * self-contained, resumable model directory.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a GPT from scratch on a text corpus (the built-in one by default), with a progress bar, "
                + "validation loss, samples and resumable checkpoints in the output directory.")
public final class PretrainCommand extends ModelCommand {

    static final class Corpus {
        @Option(names = "--corpus", paramLabel = "FILE", description = "UTF-8 text file (documents separated by <|endoftext|>) or a directory of .txt files.")
        Path file;

        @Option(names = "--builtin", description = "The built-in corpus (the default).")
        boolean builtin;
    }

    @ArgGroup(exclusive = true)
    Corpus corpus;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write (and resume from).")
    Path outDir;

    @Option(names = "--corpus-chars", defaultValue = "" + BuiltinData.DEFAULT_CORPUS_CHARS, paramLabel = "N",
            description = "Size of the built-in corpus in characters (default ${DEFAULT-VALUE}).")
    long corpusChars;

    @Mixin
    DataSeedOption dataSeed;

    @Option(names = "--preset", defaultValue = "nano", description = "Model shape: nano, small or gpt2-124m (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--layers", paramLabel = "N", description = "Override the preset's number of layers.")
    Integer layers;

    @Option(names = "--embed-dim", paramLabel = "N", description = "Override the preset's embedding width.")
    Integer embedDim;

    @Option(names = "--heads", paramLabel = "N", description = "Override the preset's attention heads.")
    Integer heads;

    @Option(names = "--context", paramLabel = "N", description = "Context length = training window (default: the preset's).")
    Integer context;

    @Option(names = "--stride", defaultValue = "0", paramLabel = "N", description = "Tokens between window starts; 0 = the context (default).")
    int stride;

    @Option(names = "--vocab-size", paramLabel = "N", description = "Size of the tokenizer to train (default: the preset's).")
    Integer vocabSize;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Use this tokenizer.json (copied into --out) instead of training one.")
    Path tokenizer;

    @Option(names = "--sample-prompt", defaultValue = "Once upon a time", paramLabel = "TEXT", description = "Start of the greedy samples (default '${DEFAULT-VALUE}').")
    String samplePrompt;

    @Mixin
    RunOptions runOptions;

    @Override
    void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        Pretraining.Settings settings = Pretraining.Settings.preset(preset);
        GptConfig model = settings.model();
        model = new GptConfig(model.vocabSize(), context != null ? context : model.contextLength(),
                embedDim != null ? embedDim : model.embedDim(), heads != null ? heads : model.heads(),
                layers != null ? layers : model.layers(), model.dropout(), model.qkvBias(), model.tiedHead(), model.layerNormEpsilon());
        RunSettings run = runOptions.apply(RunSettings.pretraining());
        settings = settings.withModel(model).withVocabSize(vocabSize != null ? vocabSize : model.vocabSize()).withStride(stride)
                .withSamplePrompt(samplePrompt).withRun(run);

        List<String> documents;
        if (corpus != null && corpus.file != null) {
            documents = TextCorpus.read(corpus.file);
            err.printf(Locale.ROOT, "corpus: %s, %,d documents%n", corpus.file, documents.size());
        } else {
            documents = dataSeed.builtinData().corpus(corpusChars);
            err.printf(Locale.ROOT, "corpus: built-in (seed %d), %,d documents, %,d characters%n", dataSeed.seed, documents.size(),
                    documents.stream().mapToLong(String::length).sum());
        }
        if (tokenizer != null) {
            Path target = outDir.resolve(TrainingCheckpoint.TOKENIZER_FILE);
            TokenizerFiles.readHuggingFace(tokenizer); // fails clearly on a bad file before anything is written
            Files.createDirectories(outDir);
            if (!Files.exists(target)) {
                Files.copy(tokenizer, target);
            }
        }
        TrainingResult result = Pretraining.run(outDir, documents, settings, runOptions.resume, TrainingProgress.on(err));
        out.printf(Locale.ROOT, "pretrained %s: %d steps, train loss %.3f, val loss %.3f (perplexity %.1f), %.0f s of training%n",
                result.directory(), result.steps(), result.trainLoss(), result.validationLoss(), Math.exp(result.validationLoss()), result.seconds());
    }
}
