package dev.rlhfloop.llm.data;

import java.util.ArrayList;
import java.util.List;

/**
 * What the training loaders share: their items (windows, examples) are visited in an
 * {@link EpochOrder}, one shuffled full batch at a time, epoch after epoch, from a
 * {@link DataPosition} a checkpoint saves and restores; and every item once, in order, for
 * evaluation. A loader only says how a batch is built from item indices.
 */
public abstract sealed class BatchLoader permits SlidingWindowLoader, InstructionLoader {

    private final int items;
    private final int batchSize;
    private final EpochOrder order;

    /** {@code lengths} (one per item, or null) batches items of similar length together, see {@link EpochOrder}. */
    BatchLoader(int items, int batchSize, long seed, int[] lengths) {
        this.items = items;
        this.batchSize = batchSize;
        this.order = new EpochOrder(items, batchSize, seed, lengths);
    }

    /** The batch of the items at {@code indices}, rows in that order. */
    abstract Batch batchOf(int[] indices);

    public int size() {
        return items;
    }

    public int batchesPerEpoch() {
        return order.batchesPerEpoch();
    }

    /** The next shuffled full batch; epochs follow one another with a new order each. */
    public Batch next() {
        return batchOf(order.nextBatch());
    }

    public DataPosition position() {
        return order.position();
    }

    public void restore(DataPosition position) {
        order.restore(position);
    }

    /** Every item once, in order, in batches of the loader's size (the last may be smaller), at most {@code maxBatches}. */
    public List<Batch> inOrder(int maxBatches) {
        List<Batch> batches = new ArrayList<>();
        for (int first = 0; first < items && batches.size() < maxBatches; first += batchSize) {
            int[] rows = new int[Math.min(batchSize, items - first)];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = first + r;
            }
            batches.add(batchOf(rows));
        }
        return batches;
    }
}
