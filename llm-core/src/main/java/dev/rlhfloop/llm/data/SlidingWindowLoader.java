package dev.rlhfloop.llm.data;

import java.util.Arrays;

/**
 * Pretraining batches cut from one long token sequence: window {@code i} starts at
 * {@code i * stride}, its inputs are {@code context} tokens and its targets the same tokens shifted
 * by one (the book's GPTDatasetV1). {@link #next()} hands out shuffled full batches epoch after
 * epoch; {@link #inOrder(int)} gives every window once, in order, for validation.
 */
public final class SlidingWindowLoader extends BatchLoader {

    /** A corpus cut in two: the first part trains, the rest validates. */
    public record Split(int[] train, int[] validation) {}

    private final int[] tokens;
    private final int context;
    private final int stride;

    public SlidingWindowLoader(int[] tokens, int batchSize, int context, int stride, long seed) {
        super(checkedWindowCount(tokens.length, context, stride), batchSize, seed, null);
        this.tokens = tokens;
        this.context = context;
        this.stride = stride;
    }

    private static int checkedWindowCount(int length, int context, int stride) {
        if (context <= 0 || stride <= 0) {
            throw new IllegalArgumentException("context and stride must be positive, got " + context + " and " + stride);
        }
        int windows = windowCount(length, context, stride);
        if (windows == 0) {
            throw new IllegalArgumentException(length + " tokens are too few for one window of " + context
                    + " inputs and their " + context + " targets");
        }
        return windows;
    }

    /** Splits at {@code 1 - validationFraction} of the tokens, like the book's 90/10 split of the text. */
    public static Split split(int[] tokens, double validationFraction) {
        if (!(validationFraction > 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be between 0 and 1, got " + validationFraction);
        }
        int cut = (int) Math.round(tokens.length * (1 - validationFraction));
        return new Split(Arrays.copyOfRange(tokens, 0, cut), Arrays.copyOfRange(tokens, cut, tokens.length));
    }

    /** Windows whose targets fit in the sequence: starts {@code 0, stride, ...} below {@code length - context}. */
    public static int windowCount(int length, int context, int stride) {
        return length <= context ? 0 : (length - context + stride - 1) / stride;
    }

    public int windows() {
        return size();
    }

    @Override
    Batch batchOf(int[] windowIndices) {
        int rows = windowIndices.length;
        int[] inputs = new int[rows * context];
        int[] targets = new int[rows * context];
        for (int r = 0; r < rows; r++) {
            int start = windowIndices[r] * stride;
            System.arraycopy(tokens, start, inputs, r * context, context);
            System.arraycopy(tokens, start + 1, targets, r * context, context);
        }
        return new Batch(rows, context, inputs, targets);
    }
}
