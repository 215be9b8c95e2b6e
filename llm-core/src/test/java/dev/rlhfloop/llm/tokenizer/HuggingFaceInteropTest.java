package dev.rlhfloop.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tokenizer.json} files written here open in Hugging Face's own tokenizers library (its Rust
 * code, through DJL's binding) and give the same ids, both for GPT-2 and for a vocabulary trained here.
 */
class HuggingFaceInteropTest {

    private static List<String> texts;

    @BeforeAll
    static void texts() throws IOException {
        // The Rust library unpacks its native code into this cache; keep it inside the build folder.
        System.setProperty("ENGINE_CACHE_DIR", Path.of("target", "djl-cache").toAbsolutePath().toString());
        Random random = new Random(29);
        texts = new ArrayList<>();
        texts.add("Hello, world. Is this-- a test?");
        texts.add(TokenizerTexts.english(20_000, 29));
        texts.add(TokenizerTexts.instructionJson(60, 29));
        for (int i = 0; i < 300; i++) {
            texts.add(TokenizerTexts.hostile(random, 1 + random.nextInt(40)));
        }
    }

    @Test
    void gpt2WrittenHereGivesGpt2IdsInHuggingFace(@TempDir Path dir) throws IOException {
        assertSameIdsInHuggingFace(TokenizerFiles.gpt2(), dir.resolve("tokenizer.json"));
    }

    @Test
    void aVocabularyTrainedHereGivesTheSameIdsInHuggingFace(@TempDir Path dir) throws IOException {
        String corpus = TokenizerTexts.english(100_000, 30) + TokenizerTexts.instructionJson(400, 30);
        BpeTokenizer trained = BpeTrainer.train(corpus, 2048);
        assertSameIdsInHuggingFace(trained, dir.resolve("tokenizer.json"));
    }

    private static void assertSameIdsInHuggingFace(BpeTokenizer ours, Path file) throws IOException {
        TokenizerFiles.writeHuggingFace(ours, file);
        // Hugging Face always maps added (special) tokens, so compare with our encoder told to do the same.
        Set<String> specials = ours.specialTokens().keySet();
        try (HuggingFaceTokenizer theirs = HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false", "truncation", "false"))) {
            for (String text : texts) {
                int[] expected = ours.encode(text, specials);
                Encoding encoding = theirs.encode(text, false, false);
                assertArrayEquals(expected, toInts(encoding.getIds()), () -> "ids differ for " + quote(text));
                assertEquals(text, theirs.decode(encoding.getIds(), false), () -> "decode differs for " + quote(text));
            }
        }
    }

    private static int[] toInts(long[] ids) {
        int[] ints = new int[ids.length];
        for (int i = 0; i < ids.length; i++) ints[i] = Math.toIntExact(ids[i]);
        return ints;
    }

    private static String quote(String text) {
        String head = text.length() > 120 ? text.substring(0, 120) + "..." : text;
        return head.codePoints().collect(StringBuilder::new,
                (b, c) -> b.append(c < 0x20 || c > 0x7e ? String.format("\\u{%x}", c) : Character.toString(c)),
                StringBuilder::append).toString();
    }
}
