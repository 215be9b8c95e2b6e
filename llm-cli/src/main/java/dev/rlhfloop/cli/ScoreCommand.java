package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.train.Bootstrap;
import dev.rlhfloop.llm.train.ExactMatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code llm score --model DIR [--data FILE [--split test]] [--examples N] [--show N]}: exact-match
 * accuracy and mean token F1 of greedy answers, on the built-in held-out tasks (the same ones
 * {@code llm sft} scores), on a file, or on the book's test split of a file.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Exact match and token F1 of the model's greedy answers on held-out built-in tasks, an instruction file, or its test split.")
public final class ScoreCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", paramLabel = "FILE", description = "Score the examples of this instruction file instead of the built-in held-out tasks.")
    Path data;

    @Option(names = "--split", paramLabel = "all|test", defaultValue = "all",
            description = "With --data: score all its examples (default) or the book's 10%% test split that `llm sft --data` held out.")
    String split;

    @Option(names = "--examples", defaultValue = "200", paramLabel = "N", description = "Tasks to score (default ${DEFAULT-VALUE}).")
    int examples;

    @Mixin
    DataSeedOption dataSeed;

    @Option(names = "--show", defaultValue = "5", paramLabel = "N", description = "Print the first N questions with answers (default ${DEFAULT-VALUE}).")
    int show;

    @Override
    void run(PrintWriter out) throws IOException {
        if (examples <= 0) {
            throw new IllegalArgumentException("--examples must be positive");
        }
        List<InstructionExample> tasks;
        if (!split.equals("all") && !split.equals("test")) {
            throw new IllegalArgumentException("--split must be all or test, was '" + split + "'");
        }
        if (split.equals("test") && data == null) {
            throw new IllegalArgumentException("--split test needs --data FILE (the built-in tasks are held out already)");
        }
        if (data != null) {
            List<InstructionExample> read = InstructionData.read(data);
            List<InstructionExample> all = split.equals("test") ? InstructionData.split(read).test() : read;
            tasks = all.subList(0, Math.min(examples, all.size()));
        } else {
            tasks = dataSeed.builtinData().heldOutExamples(examples);
        }
        ExactMatch.Report report = Bootstrap.score(model.directory, tasks, TrainingProgress.on(spec.commandLine().getErr()));
        for (int i = 0; i < Math.min(show, tasks.size()); i++) {
            InstructionExample task = tasks.get(i);
            String question = task.input().isEmpty() ? task.instruction() : task.instruction() + " " + task.input();
            out.printf(Locale.ROOT, "%s %s%n    expected: %s%n    answered: %s%n", AnswerChecker.isCorrect(task, report.answers().get(i)) ? "[right]" : "[wrong]",
                    question, task.output(), report.answers().get(i));
        }
        out.println("exact match on " + tasks.size() + " tasks: " + report.score());
        out.printf(Locale.ROOT, "token F1 on %d tasks: %.3f%n", tasks.size(), report.score().tokenF1());
    }
}
