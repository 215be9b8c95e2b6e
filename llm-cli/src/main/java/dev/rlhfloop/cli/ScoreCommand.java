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
 * {@code llm score --model DIR [--data FILE] [--examples N] [--show N]}: exact-match accuracy of
 * greedy answers, on the built-in held-out tasks (the same ones {@code llm sft} scores) or on a file.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Exact-match accuracy of the model's greedy answers on held-out built-in tasks (or an instruction file).")
public final class ScoreCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", paramLabel = "FILE", description = "Score the examples of this instruction file instead of the built-in held-out tasks.")
    Path data;

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
        if (data != null) {
            List<InstructionExample> all = InstructionData.read(data);
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
    }
}
