package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Preference pairs for the reward model and DPO: read from {@code instruction-data-with-preference.json}
 * (or JSON Lines with the same fields, or TRL's prompt / chosen / rejected), encoded as prompt, chosen and rejected token ids, and
 * collated into a chosen and a rejected {@link Batch} masked like fine-tuning batches.
 */
public final class PreferenceData {

    /** Token ids of the prompt and of each answer (the answers without the prompt). */
    public record Encoded(int[] prompt, int[] chosen, int[] rejected) {

        public InstructionLoader.Encoded chosenSequence() {
            return sequence(chosen);
        }

        public InstructionLoader.Encoded rejectedSequence() {
            return sequence(rejected);
        }

        private InstructionLoader.Encoded sequence(int[] answer) {
            int[] tokens = new int[prompt.length + answer.length];
            System.arraycopy(prompt, 0, tokens, 0, prompt.length);
            System.arraycopy(answer, 0, tokens, prompt.length, answer.length);
            return new InstructionLoader.Encoded(tokens, prompt.length);
        }
    }

    /**
     * Chosen and rejected sequences of the same pairs, row for row. Targets cover each answer and
     * its end-of-text (DPO sums log-probabilities over them); {@code lengths[r]} counts the real
     * input tokens of row {@code r}, so {@code lengths[r] - 1} is the last answer token (where the
     * reward model reads its score).
     */
    public record PairBatch(Batch chosen, int[] chosenLengths,
                            Batch rejected, int[] rejectedLengths) {}

    private PreferenceData() {}

    /**
     * The book's entries ({@code instruction}, {@code input}, {@code chosen}, {@code rejected}), or
     * TRL's ({@code prompt}, {@code chosen}, {@code rejected}: the prompt is then the instruction).
     */
    public static List<PreferenceExample> read(Path file) throws IOException {
        return readLocated(file).stream().map(Located::example).toList();
    }

    /** A pair and the line of the file its entry starts on, for messages that point into the file. */
    public record Located(int line, PreferenceExample example) {}

    /** As {@link #read}, each pair with its line. */
    public static List<Located> readLocated(Path file) throws IOException {
        return JsonEntries.read(file, entry -> new Located(entry.line(), new PreferenceExample(
                entry.node().has("instruction") || !entry.node().has("prompt") ? entry.requiredString("instruction") : entry.requiredString("prompt"),
                entry.optionalString("input"), entry.requiredString("chosen"), entry.requiredString("rejected"))));
    }

    public static Encoded encode(PreferenceExample example, Tokenizer tokenizer) {
        return new Encoded(tokenizer.encode(example.prompt()), tokenizer.encode(example.chosen()), tokenizer.encode(example.rejected()));
    }

    public static List<Encoded> encodeAll(List<PreferenceExample> examples, Tokenizer tokenizer) {
        List<Encoded> encoded = new ArrayList<>(examples.size());
        for (PreferenceExample example : examples) {
            encoded.add(encode(example, tokenizer));
        }
        return encoded;
    }

    public static PairBatch collate(List<Encoded> pairs, int endOfTextId, int maxLength) {
        List<InstructionLoader.Encoded> chosen = new ArrayList<>(pairs.size());
        List<InstructionLoader.Encoded> rejected = new ArrayList<>(pairs.size());
        for (Encoded pair : pairs) {
            chosen.add(pair.chosenSequence());
            rejected.add(pair.rejectedSequence());
        }
        return new PairBatch(InstructionLoader.collate(chosen, endOfTextId, maxLength), lengths(chosen, maxLength),
                InstructionLoader.collate(rejected, endOfTextId, maxLength), lengths(rejected, maxLength));
    }

    private static int[] lengths(List<InstructionLoader.Encoded> rows, int maxLength) {
        int[] lengths = new int[rows.size()];
        for (int r = 0; r < lengths.length; r++) {
            lengths[r] = Math.min(rows.get(r).tokens().length, maxLength);
        }
        return lengths;
    }
}
