package dev.rlhfloop.llm.tokenizer;

/**
 * GPT-2's reversible map between bytes and printable unicode characters. Vocabulary files
 * ({@code encoder.json}, {@code vocab.bpe}, Hugging Face {@code tokenizer.json}) spell every token
 * with these characters so that no token contains whitespace or control characters.
 */
public final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {}

    /** The token's bytes spelled with GPT-2's byte characters. */
    public static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /** The bytes a byte-level spelling stands for, or null if it contains a character outside the map. */
    public static byte[] decode(String spelled) {
        byte[] bytes = new byte[spelled.length()];
        for (int i = 0; i < bytes.length; i++) {
            char c = spelled.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }
}
