package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.train.Bootstrap;
import dev.rlhfloop.llm.train.ExactMatch;
import dev.rlhfloop.llm.train.Finetuning;
import dev.rlhfloop.llm.train.RunSettings;
import dev.rlhfloop.llm.train.TrainingListener.Evaluation;
import dev.rlhfloop.llm.train.TrainingResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code llm sft --model DIR --out DIR [--data FILE|--builtin] [--epochs N|--steps N] [--resume] ...}:
 * instruction fine-tuning of a pretrained model. A data file is split like the book (85% train,
 * 5% validation, 10% test); the built-in data trains on its training examples and validates and
 * scores (exact match) on held-out tasks.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
        description = "Fine-tune a pretrained model on instruction data (Alpaca format) with a progress bar, train/val loss per epoch, "
                + "sample answers and resumable checkpoints; prints exact-match accuracy on held-out built-in tasks.")
public final class SftCommand extends ModelCommand {

    static final class Data {
        @Option(names = "--data", paramLabel = "FILE", description = "JSON list or JSON Lines of {instruction, input, output}, split 85/5/10 like the book.")
        Path file;

        @Option(names = "--builtin", description = "The built-in instruction data (the default).")
        boolean builtin;
    }

    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true)
    Data data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the fine-tuned model (and its checkpoints).")
    Path outDir;

    @Mixin
    DataSeedOption dataSeed;

    @Option(names = "--train-examples", defaultValue = "" + BuiltinData.DEFAULT_TRAIN_EXAMPLES, paramLabel = "N",
            description = "Built-in training examples (default ${DEFAULT-VALUE}).")
    int trainExamples;

    @Option(names = "--validation-examples", defaultValue = "200", paramLabel = "N", description = "Built-in held-out examples for the validation loss (default ${DEFAULT-VALUE}).")
    int validationExamples;

    @Option(names = "--score", paramLabel = "N", description = "Held-out tasks to score by exact match and token F1 at the end "
            + "(default 200 with the built-in data; with --data, the first N of its 10%% test split, default all of it).")
    Integer score;

    @Option(names = "--max-length", defaultValue = "1024", paramLabel = "N", description = "Cut examples to N tokens (and the model's context); default ${DEFAULT-VALUE}.")
    int maxLength;

    @Option(names = "--samples", defaultValue = "3", paramLabel = "N", description = "Validation prompts answered at each sample point (default ${DEFAULT-VALUE}).")
    int samples;

    @Mixin
    RunOptions runOptions;

    @Mixin
    LoraOptions lora;

    @Override
    void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        RunSettings run = runOptions.apply(RunSettings.finetuning());
        LoraSettings loraSettings = lora.settings();
        Finetuning.Settings settings = new Finetuning.Settings(maxLength, samples, run, loraSettings, loraSettings != null && lora.merge);
        List<InstructionExample> train;
        List<InstructionExample> validation;
        List<InstructionExample> scored;
        if (data != null && data.file != null) {
            InstructionData.Splits splits = InstructionData.split(InstructionData.read(data.file));
            train = splits.train();
            validation = splits.validation();
            int n = score == null ? splits.test().size() : Math.min(score, splits.test().size());
            scored = splits.test().subList(0, n);
            err.printf(Locale.ROOT, "data: %s, %d train / %d validation / %d test examples%n", data.file, train.size(), validation.size(), splits.test().size());
        } else {
            Bootstrap.Tasks tasks = Bootstrap.Tasks.of(dataSeed.builtinData(), trainExamples, validationExamples, score == null ? 200 : score);
            train = tasks.train();
            validation = tasks.validation();
            scored = tasks.scored();
            err.printf(Locale.ROOT, "data: built-in (seed %d), %d train / %d validation examples, %d held-out tasks to score%n",
                    dataSeed.seed, train.size(), validation.size(), scored.size());
        }
        TrainingProgress progress = TrainingProgress.on(err);
        TrainingResult result = Finetuning.run(model.directory, outDir, train, validation, settings, runOptions.resume, progress);
        out.printf(Locale.ROOT, "fine-tuned %s: %d steps, train loss %.3f, val loss %.3f, %.0f s of training%n",
                result.directory(), result.steps(), result.trainLoss(), result.validationLoss(), result.seconds());
        for (Evaluation e : result.history()) {
            if (e.endOfEpoch()) {
                out.printf(Locale.ROOT, "epoch %d (step %d): train loss %.3f, val loss %.3f%n", e.epoch(), e.step(), e.trainLoss(), e.validationLoss());
            }
        }
        if (!scored.isEmpty()) {
            ExactMatch.Report report = Bootstrap.score(outDir, scored, progress);
            out.println("exact match on " + scored.size() + " held-out tasks: " + report.score());
            out.printf(Locale.ROOT, "token F1 on %d held-out tasks: %.3f%n", scored.size(), report.score().tokenF1());
        }
    }
}
