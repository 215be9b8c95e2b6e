package dev.rlhfloop.llm.sample;

import java.util.Arrays;

/** The prompt followed by the generated tokens, and why generation ended. */
public record Generation(int[] tokens, int promptLength, StopReason stopReason) {

    public enum StopReason { MAX_TOKENS, STOP_TOKEN, LISTENER }

    /** Only the generated tokens. */
    public int[] newTokens() {
        return Arrays.copyOfRange(tokens, promptLength, tokens.length);
    }
}
