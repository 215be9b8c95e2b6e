package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.testing.BookData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PreferenceDataTest {

    private static final int I = Batch.IGNORE;
    private static final int EOS = ByteTokenizer.END_OF_TEXT;

    @Test
    void theBooksPreferenceFileLoads() throws Exception {
        List<PreferenceExample> pairs = PreferenceData.read(BookData.file("instruction-data-with-preference.json"));
        assertEquals(1100, pairs.size());
        assertEquals("He goes to the stupid park every single day.", pairs.get(1).rejected());
        for (PreferenceExample pair : pairs) {
            assertNotEquals("", pair.chosen());
        }
    }

    @Test
    void pairsCollateIntoMaskedChosenAndRejectedBatches() {
        ByteTokenizer tokenizer = new ByteTokenizer();
        // Prompts are long Alpaca texts; hand-check on short ones built directly.
        PreferenceData.Encoded first = new PreferenceData.Encoded(tokenizer.encode("P"), tokenizer.encode("yes"), tokenizer.encode("no"));
        PreferenceData.Encoded second = new PreferenceData.Encoded(tokenizer.encode("QQ"), tokenizer.encode("k"), tokenizer.encode("nope"));
        PreferenceData.PairBatch batch = PreferenceData.collate(List.of(first, second), EOS, 100);
        assertEquals(4, batch.chosen().length());
        assertArrayEquals(new int[] {'P', 'y', 'e', 's', 'Q', 'Q', 'k', EOS}, batch.chosen().inputs());
        assertArrayEquals(new int[] {'y', 'e', 's', EOS, I, 'k', EOS, I}, batch.chosen().targets());
        assertArrayEquals(new int[] {4, 3}, batch.chosenLengths());
        assertEquals(6, batch.rejected().length());
        assertArrayEquals(new int[] {'P', 'n', 'o', EOS, EOS, EOS, 'Q', 'Q', 'n', 'o', 'p', 'e'}, batch.rejected().inputs());
        assertArrayEquals(new int[] {'n', 'o', EOS, I, I, I, I, 'n', 'o', 'p', 'e', EOS}, batch.rejected().targets());
        assertArrayEquals(new int[] {3, 6}, batch.rejectedLengths());
        assertArrayEquals(new int[] {3, 3}, PreferenceData.collate(List.of(first, second), EOS, 3).chosenLengths());
    }

    @Test
    void encodingUsesTheAlpacaPromptAndBareAnswers() {
        ByteTokenizer tokenizer = new ByteTokenizer();
        PreferenceExample pair = new PreferenceExample("Be nice.", "", "Thank you.", "Whatever.");
        PreferenceData.Encoded encoded = PreferenceData.encode(pair, tokenizer);
        assertEquals(pair.prompt(), tokenizer.decode(encoded.prompt()));
        assertEquals("Thank you.", tokenizer.decode(encoded.chosen()));
        assertEquals(pair.prompt() + "Whatever.", tokenizer.decode(encoded.rejectedSequence().tokens()));
    }

    @Test
    void missingAnswersAreNamed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.json"), "[{\"instruction\": \"a\", \"chosen\": \"b\"}]");
        assertEquals(file + ": entry 1 (line 1): missing \"rejected\"",
                assertThrows(IllegalArgumentException.class, () -> PreferenceData.read(file)).getMessage());
    }
}
