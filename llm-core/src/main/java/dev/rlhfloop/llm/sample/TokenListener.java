package dev.rlhfloop.llm.sample;

/** Receives each generated token as soon as it is chosen (for streaming); return false to stop generating. */
@FunctionalInterface
public interface TokenListener {

    boolean onToken(int token);

    TokenListener NONE = token -> true;
}
