package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DetokenizeCommandTest {

    @Test
    void printsTheTextOfAJsonArray() {
        CliRun run = CliRun.run("[15496, 11, 995, 13, 1148, 428, 438, 257, 1332, 30]\n", "detokenize", "--tokenizer", "gpt2");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("Hello, world. Is this-- a test?", run.out());
    }

    @Test
    void acceptsACommaListAndSpecialTokens() {
        assertEquals("Hello, world<|endoftext|>", CliRun.run("15496,11, 995,\n50256", "detokenize").out());
    }

    @Test
    void roundTripsUnicodeThroughTokenize() {
        String text = "naïve café 東京 👩‍👩‍👧‍👦 don't\n\t  x";
        String ids = CliRun.run(text, "tokenize").out();
        assertEquals(text, CliRun.run(ids, "detokenize").out());
    }

    @Test
    void badIdsAreReportedWithTheirLine() {
        CliRun notANumber = CliRun.run("[1,\n 2,\n x3]", "detokenize");
        assertEquals(2, notANumber.exitCode());
        assertEquals("llm detokenize: stdin:3: 'x3' is not a token id\n", notANumber.err());

        CliRun unknown = CliRun.run("[1, 50257]", "detokenize");
        assertEquals(2, unknown.exitCode());
        assertEquals("llm detokenize: stdin: unknown token id 50257 at position 1 (gpt2 has ids 0..50256)\n", unknown.err());

        CliRun unbalanced = CliRun.run("[1, 2", "detokenize");
        assertEquals(2, unbalanced.exitCode());
        assertEquals("llm detokenize: stdin: expected a JSON array of token ids like [15496, 11] or a comma list like 15496,11\n",
                unbalanced.err());
    }
}
