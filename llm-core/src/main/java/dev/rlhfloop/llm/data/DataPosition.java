package dev.rlhfloop.llm.data;

/**
 * Where a shuffling loader stands: the epoch and the number of batches already handed out in it.
 * Saved with a checkpoint and given back to {@code restore}, it makes a resumed run see exactly
 * the batches an uninterrupted run would have seen.
 */
public record DataPosition(long epoch, int batchInEpoch) {

    public static final DataPosition START = new DataPosition(0, 0);

    public DataPosition {
        if (epoch < 0 || batchInEpoch < 0) {
            throw new IllegalArgumentException("data position must not be negative: epoch " + epoch + ", batch " + batchInEpoch);
        }
    }
}
