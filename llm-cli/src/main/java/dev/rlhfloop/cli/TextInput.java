package dev.rlhfloop.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text read by a verb (stdin, a corpus), decoded strictly so that bad bytes are reported, not replaced. */
final class TextInput {

    private TextInput() {}

    /** The bytes as UTF-8 text, or a {@link UserError} naming {@code source} and the line of the first bad byte. */
    static String utf8(byte[] bytes, String source) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            int offset = in.position();
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new UserError(source + ":" + line + ": not UTF-8 text (bad byte 0x"
                    + Integer.toHexString(bytes[offset] & 0xFF) + " at byte offset " + offset + ")");
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
