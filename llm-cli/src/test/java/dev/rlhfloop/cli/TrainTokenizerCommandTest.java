package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainTokenizerCommandTest {

    @Test
    void writesATokenizerJsonThatTheOtherVerbsUse(@TempDir Path dir) throws Exception {
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, TokenizerTexts.english(200_000, 1));
        Path out = dir.resolve("tokenizer.json");
        CliRun run = CliRun.run("", "train-tokenizer", "--corpus", corpus.toString(), "--vocab-size", "800", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("merges 543/543 (100%)"), run.err());
        assertTrue(run.err().contains("wrote " + out), run.err());

        BpeTokenizer trained = TokenizerFiles.load(out.toString());
        assertEquals(800, trained.vocabSize());
        String text = "Nina's horse is called Nugget, and café owners in Zürich say (12345) so.";
        String ids = CliRun.run(text, "tokenize", "--tokenizer", out.toString()).out();
        assertEquals(text, CliRun.run(ids, "detokenize", "--tokenizer", out.toString()).out());
    }

    @Test
    void badArgumentsGetAClearMessage(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tokenizer.json");
        CliRun missing = CliRun.run("", "train-tokenizer", "--corpus", dir.resolve("nope.txt").toString(),
                "--vocab-size", "500", "--out", out.toString());
        assertEquals(2, missing.exitCode());
        assertEquals("llm train-tokenizer: " + dir.resolve("nope.txt") + ": no such file\n", missing.err());

        Path binary = dir.resolve("corpus.bin");
        Files.write(binary, new byte[] {'a', '\n', 'b', '\n', (byte) 0xC3, '(' });
        CliRun notText = CliRun.run("", "train-tokenizer", "--corpus", binary.toString(), "--vocab-size", "500", "--out", out.toString());
        assertEquals(2, notText.exitCode());
        assertEquals("llm train-tokenizer: " + binary + ":3: not UTF-8 text (bad byte 0xc3 at byte offset 4)\n", notText.err());

        CliRun tooSmall = CliRun.run("", "train-tokenizer", "--corpus", binary.toString(), "--vocab-size", "100", "--out", out.toString());
        assertEquals(2, tooSmall.exitCode());
        assertEquals("llm train-tokenizer: --vocab-size 100 is below 257 (the 256 bytes and <|endoftext|>)\n", tooSmall.err());

        Path text = dir.resolve("corpus.txt");
        Files.writeString(text, "hello hello hello");
        CliRun unwritable = CliRun.run("", "train-tokenizer", "--corpus", text.toString(), "--vocab-size", "300",
                "--out", dir.resolve("no/such/dir/tokenizer.json").toString());
        assertEquals(2, unwritable.exitCode());
        assertTrue(unwritable.err().contains("llm train-tokenizer: " + dir.resolve("no/such/dir/tokenizer.json") + ": cannot write"),
                unwritable.err());
        assertTrue(!unwritable.err().contains("\tat "), unwritable.err());
    }
}
