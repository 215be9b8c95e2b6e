package dev.rlhfloop.llm.data;

/**
 * {@code batchSize} sequences of {@code length} tokens each, row-major: the unit the model
 * trains on. A target of {@link #IGNORE} (prompt or padding) adds nothing to the loss.
 */
public record Batch(int batchSize, int length, int[] inputs, int[] targets) {

    public static final int IGNORE = -100;

    public Batch {
        if (batchSize <= 0 || length <= 0) {
            throw new IllegalArgumentException("batch needs positive size and length, got " + batchSize + "x" + length);
        }
        if (inputs.length != batchSize * length || targets.length != batchSize * length) {
            throw new IllegalArgumentException("inputs and targets must hold " + batchSize * length + " ids");
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
