package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {

    @Test
    void printsGpt2IdsAsOneJsonArray() {
        CliRun run = CliRun.run("Hello, world. Is this-- a test?", "tokenize", "--tokenizer", "gpt2");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("[15496, 11, 995, 13, 1148, 428, 438, 257, 1332, 30]\n", run.out());
    }

    @Test
    void specialTextIsOrdinaryUnlessAllowed() {
        assertEquals("[27, 91, 437, 1659, 5239, 91, 29]\n", CliRun.run("<|endoftext|>", "tokenize").out());
        assertEquals("[50256]\n", CliRun.run("<|endoftext|>", "tokenize", "--allowed-special", "all").out());
        assertEquals("[50256]\n", CliRun.run("<|endoftext|>", "tokenize", "--allowed-special", "<|endoftext|>").out());
        CliRun unknown = CliRun.run("x", "tokenize", "--allowed-special", "<|im_start|>");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().startsWith("llm tokenize: --allowed-special: <|im_start|> is not a special token"), unknown.err());
    }

    @Test
    void badInputNamesItsSourceWithoutAStackTrace(@TempDir Path dir) throws Exception {
        CliRun missing = CliRun.run("x", "tokenize", "--tokenizer", dir.resolve("missing.json").toString());
        assertEquals(2, missing.exitCode());
        assertEquals("llm tokenize: " + dir.resolve("missing.json") + ": no such file (expected gpt2, a tokenizer.json, "
                + "a .tiktoken file, or vocab.bpe + encoder.json)\n", missing.err());

        Path broken = dir.resolve("broken.tiktoken");
        Files.writeString(broken, "IQ== 0\nIQ== zero\n");
        CliRun bad = CliRun.run("x", "tokenize", "--tokenizer", broken.toString());
        assertEquals(2, bad.exitCode());
        assertEquals("llm tokenize: " + broken + ":2: expected '<base64 bytes> <rank>', got 'IQ== zero'\n", bad.err());

        CliRun notUtf8 = CliRun.run(new byte[] {'o', 'k', '\n', (byte) 0xFF, (byte) 0xFE}, "tokenize");
        assertEquals(2, notUtf8.exitCode());
        assertEquals("llm tokenize: stdin:2: not UTF-8 text (bad byte 0xff at byte offset 3)\n", notUtf8.err());
        assertTrue(!notUtf8.err().contains("Exception"));
    }
}
