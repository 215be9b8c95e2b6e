package dev.rlhfloop.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * A verb that talks to a running stack through its public HTTP API at {@code --url}. Bad input
 * (a {@link UserError}) is one line on stderr naming the verb, with exit code 2, never a stack trace.
 */
abstract class StackCommand implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "The stack's public URL (default: ${DEFAULT-VALUE}).")
    String url;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return run(spec.commandLine().getOut(), err);
        } catch (UserError e) {
            err.println("llm " + spec.name() + ": " + e.getMessage());
            return UserError.EXIT_CODE;
        }
    }

    /** Does the verb's work and returns its exit code. */
    abstract int run(PrintWriter out, PrintWriter err);

    /** A client for the stack at {@code --url}, or a {@link UserError} naming the option when it is not an http://host:port URL. */
    PublicApiClient client() {
        try {
            return new PublicApiClient(url);
        } catch (IllegalArgumentException e) {
            throw new UserError("--url " + url + " is not a URL: " + e.getMessage());
        }
    }
}
