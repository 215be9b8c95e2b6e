package dev.rlhfloop.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    @Test
    void learnsTheMostFrequentPairsFirst() {
        // Wikipedia's example: aaabdaaabac -> ZabdZabac (Z=aa) -> ZYdZYac (Y=ab) -> XdXac (X=ZY)
        BpeTokenizer tokenizer = BpeTrainer.train("aaabdaaabac aaabdaaabac", 257 + 3);
        List<BpeTokenizer.Merge> merges = tokenizer.merges();
        assertEquals(3, merges.size());
        assertEquals("aa", text(tokenizer, merges.get(0).result()));
        assertEquals("ab", text(tokenizer, merges.get(1).result()), "ties go to the smaller ids");
        assertEquals("aaab", text(tokenizer, merges.get(2).result()), "pair counts must follow the earlier merges");
        assertEquals(260, tokenizer.vocabSize());
        assertEquals(259, tokenizer.endOfTextId());
    }

    @Test
    void isDeterministicAndRoundTrips() {
        String corpus = TokenizerTexts.english(300_000, 3);
        BpeTokenizer first = BpeTrainer.train(corpus, 1000);
        BpeTokenizer second = BpeTrainer.train(corpus, 1000);
        assertEquals(first.merges(), second.merges());
        assertEquals(1000, first.vocabSize());
        Random random = new Random(3);
        for (int i = 0; i < 300; i++) {
            String text = TokenizerTexts.hostile(random, 20);
            assertEquals(text, first.decode(first.encode(text)));
        }
        int[] ids = first.encode(corpus);
        assertEquals(corpus, first.decode(ids));
        double bytesPerToken = corpus.getBytes(StandardCharsets.UTF_8).length / (double) ids.length;
        assertTrue(bytesPerToken > 2.5, "a 1000-token vocabulary should compress English well, got " + bytesPerToken);
    }

    /**
     * Encoding the training corpus with the learned merges must reproduce how training segmented
     * it: every learned token occurs at least once where training counted its pair.
     */
    @Test
    void encodingUsesTheLearnedTokens() {
        String corpus = TokenizerTexts.english(200_000, 4);
        BpeTokenizer tokenizer = BpeTrainer.train(corpus, 600);
        boolean[] seen = new boolean[tokenizer.vocabSize()];
        for (int id : tokenizer.encode(corpus)) {
            seen[id] = true;
        }
        List<Integer> unused = new ArrayList<>();
        for (BpeTokenizer.Merge m : tokenizer.merges()) {
            if (!seen[m.result()] && !usedAsPart(tokenizer, m.result())) {
                unused.add(m.result());
            }
        }
        assertEquals(List.of(), unused, "tokens neither produced nor merged further");
    }

    private static boolean usedAsPart(BpeTokenizer tokenizer, int id) {
        return tokenizer.merges().stream().anyMatch(m -> m.left() == id || m.right() == id);
    }

    @Test
    void endOfTextMarkersSeparateDocumentsAndAreNotLearned() {
        String corpus = "<|endoftext|>".repeat(50) + "hello world ".repeat(20);
        BpeTokenizer tokenizer = BpeTrainer.train(corpus, 300);
        for (BpeTokenizer.Merge m : tokenizer.merges()) {
            assertTrue(!text(tokenizer, m.result()).contains("|"), "learned from a marker: " + text(tokenizer, m.result()));
        }
        assertArrayEquals(new int[] {tokenizer.endOfTextId()}, tokenizer.encode("<|endoftext|>", java.util.Set.of("<|endoftext|>")));
    }

    @Test
    void stopsWhenNoPairRepeats() {
        BpeTokenizer tokenizer = BpeTrainer.train("abcabc", 400);
        assertEquals(2, tokenizer.merges().size()); // "ab", then "abc"; nothing else occurs twice
        assertEquals(259, tokenizer.vocabSize());
    }

    @Test
    void rejectsVocabulariesSmallerThanTheBytes() {
        assertThrows(IllegalArgumentException.class, () -> BpeTrainer.train("x", 256));
    }

    @Test
    void savedVocabularyReopensWithTheSameIds(@TempDir Path dir) throws Exception {
        String corpus = TokenizerTexts.english(100_000, 5);
        BpeTokenizer trained = BpeTrainer.train(corpus, 700);
        Path file = dir.resolve("tokenizer.json");
        TokenizerFiles.writeHuggingFace(trained, file);
        BpeTokenizer reopened = TokenizerFiles.load(file.toString());
        assertEquals(trained.merges(), reopened.merges());
        assertEquals(trained.specialTokens(), reopened.specialTokens());
        assertArrayEquals(trained.encode(corpus), reopened.encode(corpus));
    }

    /** The bar: 4,096 tokens on 10 MB in under 30 s on this 2-core machine (typically ~3-5 s). */
    @Test
    void trainsFourThousandTokensOnTenMegabytesInUnderThirtySeconds() {
        String corpus = TokenizerTexts.english(10_000_000, 6);
        long start = System.nanoTime();
        BpeTokenizer tokenizer = BpeTrainer.train(corpus, 4096);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("trained 4096 tokens on %.1f MB in %.1f s%n", corpus.length() / 1e6, seconds);
        assertEquals(4096, tokenizer.vocabSize());
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    private static String text(BpeTokenizer tokenizer, int id) {
        return new String(tokenizer.tokenBytes(id), StandardCharsets.UTF_8);
    }
}
