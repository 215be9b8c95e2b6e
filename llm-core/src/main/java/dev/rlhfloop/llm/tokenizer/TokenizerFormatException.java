package dev.rlhfloop.llm.tokenizer;

import java.io.IOException;

/** A tokenizer file that cannot be read as what it claims to be; the message names the file (and line). */
public final class TokenizerFormatException extends IOException {

    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
