package dev.rlhfloop.llm.tokenizer;

/**
 * Splits text into the pieces BPE works on, exactly as GPT-2's pattern
 * {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+} does with Java's
 * unicode character classes, but written as a scanner: it runs several times faster than
 * {@link java.util.regex.Pattern} and never backtracks more than one character.
 */
public final class Gpt2PreTokenizer {

    /** Receives each piece as the char range {@code [start, end)} of the text. */
    @FunctionalInterface
    public interface PieceConsumer {
        void accept(int start, int end);
    }

    static final int OTHER = 0;
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 3;

    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classOfCodePoint(c);
        }
    }

    private Gpt2PreTokenizer() {}

    /** Calls {@code out} for every piece of {@code text[from, to)}, in order. */
    public static void split(String text, int from, int to, PieceConsumer out) {
        int i = from;
        while (i < to) {
            char c = text.charAt(i);
            if (c == '\'' && i + 1 < to) {
                int length = contractionLength(text, i, to);
                if (length > 0) {
                    out.accept(i, i + length);
                    i += length;
                    continue;
                }
            }
            int end;
            if (c == ' ' && i + 1 < to && classAt(text, i + 1) != SPACE) {
                end = runEnd(text, i + 1, to, classAt(text, i + 1));
            } else {
                int cls = c < 128 ? ASCII_CLASS[c] : classAt(text, i);
                if (cls != SPACE) {
                    end = runEnd(text, i, to, cls);
                } else {
                    end = runEnd(text, i, to, SPACE);
                    // \s+(?!\S): a run followed by text gives its last space to the next piece.
                    if (end < to && end - 1 > i) {
                        end--;
                    }
                }
            }
            out.accept(i, end);
            i = end;
        }
    }

    /** Length of {@code 's 't 're 've 'm 'll 'd} at {@code i}, or 0. */
    private static int contractionLength(String text, int i, int to) {
        char c1 = text.charAt(i + 1);
        if (c1 == 's' || c1 == 't' || c1 == 'd' || c1 == 'm') {
            return 2;
        }
        if (i + 2 < to) {
            char c2 = text.charAt(i + 2);
            if ((c1 == 'l' && c2 == 'l') || (c1 == 'v' && c2 == 'e') || (c1 == 'r' && c2 == 'e')) {
                return 3;
            }
        }
        return 0;
    }

    /** End of the run of characters of class {@code cls} that starts at {@code i}. */
    private static int runEnd(String text, int i, int to, int cls) {
        while (i < to) {
            char c = text.charAt(i);
            if (c < 128) {
                if (ASCII_CLASS[c] != cls) {
                    return i;
                }
                i++;
            } else {
                int cp = Character.codePointAt(text, i);
                if (classOfCodePoint(cp) != cls) {
                    return i;
                }
                i += Character.charCount(cp);
            }
        }
        return to;
    }

    private static int classAt(String text, int i) {
        char c = text.charAt(i);
        return c < 128 ? ASCII_CLASS[c] : classOfCodePoint(Character.codePointAt(text, i));
    }

    /** The class of a code point as java.util.regex sees it with UNICODE_CHARACTER_CLASS. */
    static int classOfCodePoint(int cp) {
        int type = Character.getType(cp);
        switch (type) {
            case Character.UPPERCASE_LETTER:
            case Character.LOWERCASE_LETTER:
            case Character.TITLECASE_LETTER:
            case Character.MODIFIER_LETTER:
            case Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER:
            case Character.LETTER_NUMBER:
            case Character.OTHER_NUMBER:
                return NUMBER;
            case Character.SPACE_SEPARATOR:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
                return SPACE;
            default:
                return (cp >= 0x9 && cp <= 0xD) || cp == 0x85 ? SPACE : OTHER;
        }
    }
}
