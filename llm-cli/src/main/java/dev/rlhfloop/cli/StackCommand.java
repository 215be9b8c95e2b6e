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

    @Option(names = "--token", description = "The admin token for admin verbs (default: RLHF_ADMIN_TOKEN, else run/auth/admin-token of this checkout).")
    String token;

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

    /**
     * The admin token: {@code --token}, else {@code RLHF_ADMIN_TOKEN}, else the file the stack's first
     * start wrote ({@code run/auth/admin-token} under the checkout, or under the working directory).
     */
    String adminToken() {
        if (token != null && !token.isBlank()) return token.strip();
        String env = System.getenv("RLHF_ADMIN_TOKEN");
        if (env != null && !env.isBlank()) return env.strip();
        java.util.List<java.nio.file.Path> places = new java.util.ArrayList<>();
        String home = System.getProperty("rlhfloop.home");
        if (home != null) places.add(java.nio.file.Path.of(home, "run", "auth", "admin-token"));
        places.add(java.nio.file.Path.of("run", "auth", "admin-token"));
        for (java.nio.file.Path file : places) {
            try {
                if (java.nio.file.Files.isReadable(file)) return java.nio.file.Files.readString(file).strip();
            } catch (java.io.IOException e) {
                throw new UserError("cannot read the admin token in " + file + ": " + e.getMessage());
            }
        }
        throw new UserError("this is an admin verb and no admin token was found: pass --token, set RLHF_ADMIN_TOKEN, "
                + "or run it from the checkout whose ./rlhf-loop up wrote run/auth/admin-token");
    }

    /** A client for the stack at {@code --url} carrying the admin token. */
    PublicApiClient adminClient() {
        PublicApiClient client = client();
        return client.authorize(adminToken());
    }

    /** A client for the stack at {@code --url}, or a {@link UserError} naming the option when it is not an http://host:port URL. */
    PublicApiClient client() {
        try {
            return new PublicApiClient(url);
        } catch (IllegalArgumentException e) {
            throw new UserError("--url " + url + " is not a URL: " + e.getMessage());
        }
    }
}
