package dev.rlhfloop.cli;

/** A mistake in what the user gave a verb: printed as one line naming the input, exit code 2, no stack trace. */
final class UserError extends RuntimeException {

    static final int EXIT_CODE = 2;

    UserError(String message) {
        super(message);
    }
}
