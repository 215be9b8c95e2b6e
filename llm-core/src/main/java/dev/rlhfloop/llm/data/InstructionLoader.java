package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Fine-tuning batches of instruction examples of similar length, padded to the longest example in
 * each batch (at most {@code maxLength} tokens). Targets are the inputs shifted by one, as in the book's collate;
 * prompt tokens and all padding except the first end-of-text after the response are {@link Batch#IGNORE}d,
 * so the loss covers exactly the response and the signal to stop.
 */
public final class InstructionLoader extends BatchLoader {

    /** An example as token ids: the prompt's, then the response's; {@code promptLength} counts the prompt's. */
    public record Encoded(int[] tokens, int promptLength) {

        public Encoded {
            if (promptLength < 0 || promptLength > tokens.length) {
                throw new IllegalArgumentException("prompt length " + promptLength + " outside 0.." + tokens.length);
            }
        }
    }

    private final List<Encoded> items;
    private final int maxLength;
    private final int padId;

    public InstructionLoader(List<Encoded> items, int batchSize, int maxLength, int endOfTextId, long seed) {
        super(items.size(), batchSize, seed, cutLengths(items, maxLength));
        this.items = List.copyOf(items);
        this.maxLength = maxLength;
        this.padId = endOfTextId;
    }

    /** The lengths {@link EpochOrder} groups batches by: each example's, cut to {@code maxLength}. */
    private static int[] cutLengths(List<Encoded> items, int maxLength) {
        if (maxLength <= 0) {
            throw new IllegalArgumentException("max length must be positive, got " + maxLength);
        }
        int[] lengths = new int[items.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = Math.min(items.get(i).tokens().length, maxLength);
        }
        return lengths;
    }

    public static InstructionLoader of(List<InstructionExample> examples, Tokenizer tokenizer, int batchSize, int maxLength, long seed) {
        return new InstructionLoader(encodeAll(examples, tokenizer), batchSize, maxLength, tokenizer.endOfTextId(), seed);
    }

    /**
     * Encodes the Alpaca prompt and the response separately and joins them, so the boundary is
     * exactly where generation starts (a merge across it could not happen at inference time either).
     */
    public static Encoded encode(InstructionExample example, Tokenizer tokenizer) {
        return encode(example.prompt(), example.output(), tokenizer);
    }

    public static Encoded encode(String prompt, String response, Tokenizer tokenizer) {
        int[] promptIds = tokenizer.encode(prompt);
        int[] responseIds = tokenizer.encode(response);
        int[] tokens = new int[promptIds.length + responseIds.length];
        System.arraycopy(promptIds, 0, tokens, 0, promptIds.length);
        System.arraycopy(responseIds, 0, tokens, promptIds.length, responseIds.length);
        return new Encoded(tokens, promptIds.length);
    }

    public static List<Encoded> encodeAll(List<InstructionExample> examples, Tokenizer tokenizer) {
        List<Encoded> encoded = new ArrayList<>(examples.size());
        for (InstructionExample example : examples) {
            encoded.add(encode(example, tokenizer));
        }
        return encoded;
    }

    /**
     * The book's collate with the prompt masked: each row is its tokens, one end-of-text, then
     * padding (also end-of-text) up to the longest row; inputs are the first {@code T} of those,
     * targets the next {@code T}, where {@code T} is the longest row's length capped at {@code maxLength}.
     */
    public static Batch collate(List<Encoded> rows, int endOfTextId, int maxLength) {
        int longest = 0;
        for (Encoded row : rows) {
            longest = Math.max(longest, row.tokens().length);
        }
        int length = Math.min(Math.max(longest, 1), maxLength);
        int[] inputs = new int[rows.size() * length];
        int[] targets = new int[rows.size() * length];
        for (int r = 0; r < rows.size(); r++) {
            int[] tokens = rows.get(r).tokens();
            int promptLength = rows.get(r).promptLength();
            for (int t = 0; t < length; t++) {
                inputs[r * length + t] = t < tokens.length ? tokens[t] : endOfTextId;
                int next = t + 1;
                boolean response = next >= promptLength && next <= tokens.length;
                targets[r * length + t] = !response ? Batch.IGNORE : next < tokens.length ? tokens[next] : endOfTextId;
            }
        }
        return new Batch(rows.size(), length, inputs, targets);
    }

    @Override
    Batch batchOf(int[] indices) {
        List<Encoded> rows = new ArrayList<>(indices.length);
        for (int index : indices) {
            rows.add(items.get(index));
        }
        return collate(rows, padId, maxLength);
    }
}
