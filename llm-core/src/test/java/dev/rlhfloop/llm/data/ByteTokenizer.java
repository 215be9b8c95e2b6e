package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/** The simplest real tokenizer, for loader tests: one id per UTF-8 byte, 256 for end-of-text. */
final class ByteTokenizer implements Tokenizer {

    static final int END_OF_TEXT = 256;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xFF;
        }
        return ids;
    }

    @Override
    public int[] encode(String text, Set<String> allowedSpecial) {
        if (!allowedSpecial.contains(TextCorpus.END_OF_TEXT)) {
            return encode(text);
        }
        return TextCorpus.encode(java.util.Arrays.asList(text.split(java.util.regex.Pattern.quote(TextCorpus.END_OF_TEXT), -1)), this);
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id == END_OF_TEXT) {
                bytes.writeBytes(TextCorpus.END_OF_TEXT.getBytes(StandardCharsets.UTF_8));
            } else {
                bytes.write(id);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public int vocabSize() {
        return 257;
    }

    @Override
    public int endOfTextId() {
        return END_OF_TEXT;
    }
}
