package dev.rlhfloop.cli;

import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;

/** A verb that reports bad input as one clear line on stderr with exit code 1, never a stack trace. */
abstract class ModelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try {
            run(spec.commandLine().getOut());
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
    }

    abstract void run(PrintWriter out) throws IOException;
}
