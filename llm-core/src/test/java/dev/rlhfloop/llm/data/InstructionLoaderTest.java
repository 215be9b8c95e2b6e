package dev.rlhfloop.llm.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstructionLoaderTest {

    private static final int I = Batch.IGNORE;
    private static final int EOS = ByteTokenizer.END_OF_TEXT;
    private final ByteTokenizer tokenizer = new ByteTokenizer();

    @Test
    void withoutAPromptItIsTheBooksCollate() {
        // The book's example: inputs [0..4], [5, 6], [7, 8, 9] with pad 50256.
        List<InstructionLoader.Encoded> rows = List.of(
                new InstructionLoader.Encoded(new int[] {0, 1, 2, 3, 4}, 0),
                new InstructionLoader.Encoded(new int[] {5, 6}, 0),
                new InstructionLoader.Encoded(new int[] {7, 8, 9}, 0));
        Batch batch = InstructionLoader.collate(rows, 50256, 1024);
        assertEquals(5, batch.length());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 50256, 50256, 50256, 7, 8, 9, 50256, 50256}, batch.inputs());
        assertArrayEquals(new int[] {1, 2, 3, 4, 50256, 6, 50256, I, I, I, 8, 9, 50256, I, I}, batch.targets());
    }

    @Test
    void promptTargetsAreMaskedAndTheFirstEndOfTextIsKept() {
        List<InstructionLoader.Encoded> rows = List.of(
                InstructionLoader.encode("P:", "ab", tokenizer),
                InstructionLoader.encode("Q", "c", tokenizer));
        assertEquals(2, rows.get(0).promptLength());
        Batch batch = InstructionLoader.collate(rows, EOS, 100);
        assertEquals(4, batch.length());
        assertArrayEquals(new int[] {'P', ':', 'a', 'b', 'Q', 'c', EOS, EOS}, batch.inputs());
        assertArrayEquals(new int[] {I, 'a', 'b', EOS, 'c', EOS, I, I}, batch.targets());
    }

    @Test
    void longRowsAreCutAtTheMaxLength() {
        List<InstructionLoader.Encoded> rows = List.of(
                InstructionLoader.encode("P:", "ab", tokenizer),
                InstructionLoader.encode("Q", "c", tokenizer));
        Batch batch = InstructionLoader.collate(rows, EOS, 3);
        assertEquals(3, batch.length());
        assertArrayEquals(new int[] {'P', ':', 'a', 'Q', 'c', EOS}, batch.inputs());
        assertArrayEquals(new int[] {I, 'a', 'b', 'c', EOS, I}, batch.targets());
    }

    @Test
    void examplesUseTheBooksAlpacaPrompt() {
        InstructionExample withInput = new InstructionExample("Reverse the list.", "a, b", "b, a");
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request."
                + "\n\n### Instruction:\nReverse the list.\n\n### Input:\na, b\n\n### Response:\n", withInput.prompt());
        InstructionExample withoutInput = new InstructionExample("What is 2 plus 2?", "", "2 plus 2 is 4.");
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes the request."
                + "\n\n### Instruction:\nWhat is 2 plus 2?\n\n### Response:\n", withoutInput.prompt());
        InstructionLoader.Encoded encoded = InstructionLoader.encode(withoutInput, tokenizer);
        assertEquals(withoutInput.prompt().length(), encoded.promptLength());
        assertEquals(withoutInput.prompt() + withoutInput.output(), tokenizer.decode(encoded.tokens()));
    }

    @Test
    void batchesArePaddedToTheirOwnLongestRowAndResumeExactly() {
        List<InstructionExample> examples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            examples.add(new InstructionExample("Say " + i + ".", "", "x".repeat(1 + i % 7)));
        }
        InstructionLoader loader = InstructionLoader.of(examples, tokenizer, 4, 1000, 5);
        InstructionLoader resumed = InstructionLoader.of(examples, tokenizer, 4, 1000, 5);
        assertEquals(10, loader.batchesPerEpoch());
        for (int b = 0; b < 13; b++) {
            Batch batch = loader.next();
            int longest = 0;
            for (int r = 0; r < 4; r++) {
                int realTokens = 0;
                int responseTargets = 0;
                for (int t = 0; t < batch.length(); t++) {
                    if (batch.targets()[r * batch.length() + t] != I) {
                        responseTargets++;
                    }
                    if (batch.inputs()[r * batch.length() + t] != EOS) {
                        realTokens++;
                    }
                }
                longest = Math.max(longest, realTokens);
                String prompt = tokenizer.decode(java.util.Arrays.copyOfRange(batch.inputs(), r * batch.length(), r * batch.length() + realTokens));
                int from = prompt.indexOf("Say ") + 4;
                int n = Integer.parseInt(prompt.substring(from, prompt.indexOf(".\n", from)));
                assertEquals(1 + n % 7 + 1, responseTargets, "the response and one end-of-text are the targets");
            }
            assertEquals(longest, batch.length(), "padded to the longest row of this batch");
        }
        resumed.restore(loader.position());
        for (int b = 0; b < 12; b++) {
            assertArrayEquals(loader.next().inputs(), resumed.next().inputs());
        }
    }

    @Test
    void anEpochSeesEveryExampleOnceInBatchesOfSimilarLength() {
        // Two lengths, interleaved: plain shuffling would mix them in nearly every batch of 8.
        List<InstructionExample> examples = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            examples.add(new InstructionExample("Q" + (1000 + i), "", i % 2 == 0 ? "short" : "a much longer answer than the other"));
        }
        InstructionLoader loader = InstructionLoader.of(examples, tokenizer, 8, 1000, 3);
        for (int epoch = 0; epoch < 2; epoch++) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            java.util.Set<Integer> lengths = new java.util.HashSet<>();
            int mixed = 0;
            for (int b = 0; b < loader.batchesPerEpoch(); b++) {
                Batch batch = loader.next();
                lengths.add(batch.length());
                String text = tokenizer.decode(batch.inputs());
                int shortOnes = text.split("short", -1).length - 1;
                if (shortOnes != 0 && shortOnes != 8) {
                    mixed++;
                }
                for (int q = text.indexOf("Q"); q >= 0; q = text.indexOf("Q", q + 1)) {
                    assertTrue(seen.add(epoch + ":" + text.substring(q, q + 5)), "each example once per epoch");
                }
            }
            assertEquals(512, seen.size());
            assertEquals(2, lengths.size(), "every batch is padded to one of the two lengths only");
            assertTrue(mixed <= 512 / (8 * EpochOrder.GROUP_BATCHES), "at most one mixed batch per group, got " + mixed);
        }
    }

    @Test
    void inOrderCoversEveryExampleIncludingARemainder() {
        List<InstructionExample> examples = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            examples.add(new InstructionExample("Q" + i, "", "A"));
        }
        List<Batch> batches = InstructionLoader.of(examples, tokenizer, 3, 1000, 0).inOrder(Integer.MAX_VALUE);
        assertEquals(List.of(3, 3, 1), batches.stream().map(Batch::batchSize).toList());
        assertTrue(tokenizer.decode(batches.get(2).inputs()).contains("Q6"));
    }
}
