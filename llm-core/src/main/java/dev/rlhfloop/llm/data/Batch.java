package dev.rlhfloop.llm.data;

/**
 * {@code batchSize} sequences of {@code length} tokens each, row-major: the unit the model
 * trains on. A target of {@link #IGNORE} (prompt or padding) adds nothing to the loss. With
 * {@code forks}, each row holds two sequences that share their first tokens ({@link Forks}); without
 * (null), one.
 */
public record Batch(int batchSize, int length, int[] inputs, int[] targets, Forks forks) {

    public static final int IGNORE = -100;

    /** One sequence per row. */
    public Batch(int batchSize, int length, int[] inputs, int[] targets) {
        this(batchSize, length, inputs, targets, null);
    }

    public Batch {
        if (batchSize <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch needs positive size and length, got " + batchSize + "x" + length);
        }
        if (inputs.length != batchSize * length || targets.length != batchSize * length) {
            throw new IllegalArgumentException("inputs and targets must hold " + batchSize * length + " ids");
        }
        if (forks != null && !forks.fit(batchSize, length)) {
            throw new IllegalArgumentException("forks must describe the batch's " + batchSize + " rows of " + length + " tokens");
        }
    }

    public int tokens() {
        return batchSize * length;
    }

    /** The targets the loss counts: those that are not {@link #IGNORE}. */
    public int countedTargets() {
        int counted = 0;
        for (int target : targets) {
            if (target != IGNORE) counted++;
        }
        return counted;
    }
}
