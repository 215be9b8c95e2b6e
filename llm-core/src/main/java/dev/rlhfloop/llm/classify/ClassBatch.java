package dev.rlhfloop.llm.classify;

import java.util.Arrays;
import java.util.List;

/**
 * Sequences for a classifier, right-padded to one {@code length} so every batch of a run has the
 * same shape (the model's buffers are sized for it). {@code lastPositions[row]} is the row's last
 * real token, whose final hidden state the head reads; {@code labels[row]} is its class index, or
 * {@link #NO_LABEL} for a filler row that completes the last batch and counts for nothing.
 */
public record ClassBatch(int batchSize, int length, int[] inputs, int[] lastPositions, int[] labels) {

    public static final int NO_LABEL = -1;

    public ClassBatch {
        if (inputs.length != batchSize * length || lastPositions.length != batchSize || labels.length != batchSize) {
            throw new IllegalArgumentException("a batch of " + batchSize + "x" + length + " needs that many ids and "
                    + batchSize + " last positions and labels");
        }
    }

    /**
     * Rows of {@code sequences} (each cut to {@code length} tokens, an empty one read as the single
     * token {@code padId}), padded with {@code padId}; {@code batchSize - sequences.size()} filler rows.
     */
    public static ClassBatch of(List<int[]> sequences, int[] labels, int batchSize, int length, int padId) {
        if (sequences.size() > batchSize || labels.length != sequences.size()) {
            throw new IllegalArgumentException(sequences.size() + " sequences with " + labels.length + " labels do not fit a batch of " + batchSize);
        }
        int[] inputs = new int[batchSize * length];
        Arrays.fill(inputs, padId);
        int[] last = new int[batchSize];
        int[] rowLabels = new int[batchSize];
        Arrays.fill(rowLabels, NO_LABEL);
        for (int row = 0; row < sequences.size(); row++) {
            int[] tokens = sequences.get(row);
            int n = Math.min(length, tokens.length);
            System.arraycopy(tokens, 0, inputs, row * length, n);
            last[row] = Math.max(0, n - 1);
            rowLabels[row] = labels[row];
        }
        return new ClassBatch(batchSize, length, inputs, last, rowLabels);
    }

    /** Rows that carry a label. */
    public int labelled() {
        int n = 0;
        for (int label : labels) {
            if (label != NO_LABEL) {
                n++;
            }
        }
        return n;
    }
}
