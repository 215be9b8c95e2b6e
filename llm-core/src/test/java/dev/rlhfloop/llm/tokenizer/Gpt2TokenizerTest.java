package dev.rlhfloop.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import dev.rlhfloop.llm.testing.BookData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our GPT-2 tokenizer against jtokkit's r50k_base, id for id, on text chosen to break tokenizers. */
class Gpt2TokenizerTest {

    private static BpeTokenizer gpt2;
    private static Encoding reference;

    @BeforeAll
    static void load() throws IOException {
        gpt2 = TokenizerFiles.gpt2();
        reference = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    }

    private static void assertSameAsReference(String text) {
        int[] expected = reference.encodeOrdinary(text).toArray();
        int[] actual = gpt2.encode(text);
        assertArrayEquals(expected, actual, () -> "ids differ for " + escape(text));
        assertEquals(text, gpt2.decode(actual), () -> "round trip changed " + escape(text));
    }

    @Test
    void encodesTheBooksExample() {
        assertArrayEquals(new int[] {15496, 11, 995, 13, 1148, 428, 438, 257, 1332, 30},
                gpt2.encode("Hello, world. Is this-- a test?"));
    }

    @Test
    void vocabularyIsGpt2s() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50256, gpt2.endOfTextId());
        assertEquals(50000, gpt2.merges().size());
    }

    @Test
    void matchesReferenceOnEnglishAndJson() {
        assertSameAsReferenceWholeAndLineByLine(TokenizerTexts.english(200_000, 17));
        assertSameAsReferenceWholeAndLineByLine(TokenizerTexts.instructionJson(300, 17));
    }

    @Test
    void matchesReferenceOnTheBooksFiles() {
        for (String name : List.of("the-verdict.txt", "instruction-data.json", "instruction-data-with-preference.json")) {
            assertSameAsReferenceWholeAndLineByLine(BookData.text(name));
        }
        assertEquals(5145, gpt2.encode(BookData.text("the-verdict.txt")).length, "the book's token count for the-verdict");
    }

    private static void assertSameAsReferenceWholeAndLineByLine(String text) {
        assertSameAsReference(text);
        for (String line : text.split("\n")) {
            assertSameAsReference(line);
        }
    }

    @Test
    void matchesReferenceOnAdversarialText() {
        Random random = new Random(1234);
        for (int i = 0; i < 3000; i++) {
            assertSameAsReference(TokenizerTexts.hostile(random, 1 + random.nextInt(40)));
        }
    }

    @Test
    void matchesReferenceOnEdgeCases() {
        List<String> cases = new ArrayList<>(List.of("", " ", "  ", "\n", " \n", "\n ", "a", " a", "  a", "   a ", "a  ",
                "'s", "'S", "'", "''", "'''s", "x's'll", " 'll", "'re'", "ab'c", "?'s", " ?!", "1 2  3", " 123abc",
                "\t\tx", "\u00A0x", " \u00A0x", "\u3000\u3000", "x\u200Bx", "\r\n\r\n", " ".repeat(300) + "x",
                "\n".repeat(200), "🙂".repeat(100), "x".repeat(500), "-".repeat(1000), "1234567890".repeat(50)));
        cases.add("a".repeat(129));
        cases.add("ab".repeat(200) + " ab");
        for (String text : cases) {
            assertSameAsReference(text);
        }
    }

    @Test
    void specialTextIsOrdinaryUnlessAllowed() {
        String text = "end<|endoftext|>start";
        int[] ordinary = gpt2.encode(text);
        assertArrayEquals(reference.encodeOrdinary(text).toArray(), ordinary);
        int[] allowed = gpt2.encode(text, Set.of("<|endoftext|>"));
        int[] expected = concat(gpt2.encode("end"), new int[] {50256}, gpt2.encode("start"));
        assertArrayEquals(expected, allowed);
        assertEquals(text, gpt2.decode(allowed));
        assertArrayEquals(new int[] {50256, 50256}, gpt2.encode("<|endoftext|><|endoftext|>", Set.of("<|endoftext|>")));
        assertThrows(IllegalArgumentException.class, () -> gpt2.encode(text, Set.of("<|nope|>")));
    }

    @Test
    void decodeRejectsUnknownIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {1, 50257}));
        assertEquals("unknown token id 50257 at position 1 (vocabulary size 50257)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {-1}));
    }

    @Test
    void decodesAnyIdSequenceLikeTheReference() {
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            int[] ids = random.ints(1 + random.nextInt(20), 0, 50256).toArray();
            assertEquals(reference.decode(toList(ids)), gpt2.decode(ids));
        }
    }

    @Test
    void streamingDecoderEmitsWholeCharactersAndAddsUpToDecode() {
        Random random = new Random(99);
        for (int i = 0; i < 500; i++) {
            String text = TokenizerTexts.hostile(random, 1 + random.nextInt(20));
            int[] ids = gpt2.encode(text);
            StreamingDecoder decoder = gpt2.streamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String chunk = decoder.next(id);
                assertEquals(-1, chunk.indexOf('\uFFFD'), () -> "partial character emitted for " + escape(text));
                streamed.append(chunk);
            }
            assertEquals("", decoder.finish());
            assertEquals(text, streamed.toString());
        }
        // arbitrary ids, including ones that cut characters apart or never complete them
        for (int i = 0; i < 500; i++) {
            int[] ids = random.ints(1 + random.nextInt(30), 0, 50257).toArray();
            StreamingDecoder decoder = gpt2.streamingDecoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(decoder.next(id));
            }
            streamed.append(decoder.finish());
            assertEquals(gpt2.decode(ids), streamed.toString());
        }
    }

    @Test
    void streamingDecoderHoldsBackSplitEmoji() {
        int[] ids = gpt2.encode("🙂");
        assertEquals(2, ids.length, "GPT-2 spells this emoji with two tokens");
        StreamingDecoder decoder = gpt2.streamingDecoder();
        assertEquals("", decoder.next(ids[0]));
        assertEquals("🙂", decoder.next(ids[1]));
    }

    private static com.knuddels.jtokkit.api.IntArrayList toList(int[] ids) {
        com.knuddels.jtokkit.api.IntArrayList list = new com.knuddels.jtokkit.api.IntArrayList(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return list;
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().limit(200).forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                out.appendCodePoint(cp);
            } else {
                out.append(String.format("\\u{%X}", cp));
            }
        });
        return out.append('"').toString();
    }
}
