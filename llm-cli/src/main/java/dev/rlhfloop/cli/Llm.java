package dev.rlhfloop.cli;

import dev.rlhfloop.llm.tensor.KernelThreads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code llm} command line: one subcommand per verb, each in its own class. */
@Command(name = "llm", mixinStandardHelpOptions = true, version = "llm 0.1.0",
        description = "Build, train and run a GPT from scratch.",
        subcommands = {
                // One line per verb; keep the list sorted.
                AdminCommand.class,
                ClassifyCommand.class,
                ClassifyTrainCommand.class,
                DataCommand.class,
                DetokenizeCommand.class,
                DpoCommand.class,
                EvalCommand.class,
                ExportCommand.class,
                GenerateCommand.class,
                GrpoCommand.class,
                ImportCommand.class,
                KtoCommand.class,
                LogitsCommand.class,
                PpoCommand.class,
                PretrainCommand.class,
                RateCommand.class,
                RatersCommand.class,
                ReplayCommand.class,
                RewardModelCommand.class,
                RlooCommand.class,
                ScoreCommand.class,
                SftCommand.class,
                TokenizeCommand.class,
                TrainTokenizerCommand.class,
        })
public final class Llm implements Runnable {

    /** Any verb: the kernels' threads, set before the first kernel runs. */
    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "kernel threads (default: every core but one on machines with more than two cores)")
    void threads(int threads) {
        try {
            KernelThreads.configure(threads, "--threads");
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Llm()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
