package dev.rlhfloop.cli;

import picocli.CommandLine.Option;

/** The {@code --url} option of the verbs that talk to a running stack through its public HTTP API. */
final class StackUrlOption {

    @Option(names = "--url", defaultValue = "http://localhost:8080", description = "The stack's public URL (default: ${DEFAULT-VALUE}).")
    String url;

    /** A client for the stack at {@code --url}, or a {@link UserError} naming the option when it is not an http://host:port URL. */
    PublicApiClient client() {
        try {
            return new PublicApiClient(url);
        } catch (IllegalArgumentException e) {
            throw new UserError("--url " + url + " is not a URL: " + e.getMessage());
        }
    }
}
