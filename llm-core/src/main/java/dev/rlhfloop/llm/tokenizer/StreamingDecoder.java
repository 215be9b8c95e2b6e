package dev.rlhfloop.llm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes ids one at a time, as a model generates them, and returns only text made of whole
 * characters: a token that ends inside a multi-byte character (emoji and CJK are often split over
 * two or three tokens) is held back until the rest arrives. The concatenation of everything
 * returned by {@link #next} and {@link #finish} equals {@link Tokenizer#decode} of all the ids.
 * One per stream; not thread-safe.
 */
public final class StreamingDecoder {

    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int length;

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id and returns the text that is now complete (often empty, never a partial character). */
    public String next(int id) {
        byte[] token = tokenizer.tokenBytes(id);
        if (length + token.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, length + token.length));
        }
        System.arraycopy(token, 0, pending, length, token.length);
        length += token.length;
        int complete = completePrefix();
        if (complete == 0) {
            return "";
        }
        String text = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, length - complete);
        length -= complete;
        return text;
    }

    /** Ends the stream: bytes still held back (an unfinished character) become U+FFFD. */
    public String finish() {
        String text = new String(pending, 0, length, StandardCharsets.UTF_8);
        length = 0;
        return text;
    }

    /**
     * How many pending bytes can be decoded now. Only a trailing lead byte still short of its
     * continuation bytes is held back; cutting just before a lead byte never changes how a UTF-8
     * decoder reads the bytes on either side.
     */
    private int completePrefix() {
        for (int i = length - 1; i >= Math.max(0, length - 4); i--) {
            int b = pending[i] & 0xFF;
            if ((b & 0xC0) != 0x80) {
                int needed = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 1;
                return length - i < needed ? i : length;
            }
        }
        return length;
    }
}
