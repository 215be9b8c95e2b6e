package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.testing.BookData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextCorpusTest {

    @Test
    void documentsAreSplitAtTheMarkerAndTrimmed() {
        assertEquals(List.of("one", "two words", "three"),
                TextCorpus.documents("one<|endoftext|>\n two words \n<|endoftext|><|endoftext|>three\n"));
        assertEquals(List.of("only"), TextCorpus.documents("only\n"));
        assertEquals(List.of(), TextCorpus.documents("  "));
    }

    @Test
    void encodingPutsOneEndOfTextBetweenDocuments() {
        int[] ids = TextCorpus.encode(List.of("ab", "c"), new ByteTokenizer());
        assertArrayEquals(new int[] {'a', 'b', ByteTokenizer.END_OF_TEXT, 'c'}, ids);
    }

    @Test
    void writtenCorporaReadBackAsTheSameDocuments(@TempDir Path dir) throws Exception {
        List<String> documents = List.of("First story.\nTwo lines.", "Second: \"quoted\".", "Third ünïcode.");
        Path file = dir.resolve("corpus.txt");
        TextCorpus.write(file, documents);
        assertEquals(documents, TextCorpus.read(file));
    }

    @Test
    void aDirectoryIsOneDocumentPerTextFileInNameOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.txt"), "bee");
        Files.writeString(dir.resolve("a.txt"), "ay");
        Files.writeString(dir.resolve("notes.md"), "ignored");
        assertEquals(List.of("ay", "bee"), TextCorpus.read(dir));
    }

    @Test
    void missingEmptyOrBinaryFilesAreNamedInTheError(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(missing));
        assertTrue(e.getMessage().startsWith(missing.toString()), e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(empty)).getMessage().contains("empty"));
        Path binary = Files.write(dir.resolve("bin.txt"), new byte[] {(byte) 0xC3, (byte) 0x28});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TextCorpus.read(binary)).getMessage().contains("UTF-8"));
    }

    @Test
    void theBooksVerdictLoadsAsOneDocument() throws Exception {
        Path verdict = BookData.file("the-verdict.txt");
        List<String> documents = TextCorpus.read(verdict);
        assertEquals(List.of(Files.readString(verdict).strip()), documents);
    }
}
