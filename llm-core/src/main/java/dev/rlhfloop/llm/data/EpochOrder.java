package dev.rlhfloop.llm.data;

import java.util.SplittableRandom;

/**
 * The order in which a loader visits its items: a fresh permutation per epoch, derived only from
 * the seed and the epoch number, cut into full batches (an incomplete last batch is dropped, as in
 * the book's training loaders). Because nothing else feeds the order, a {@link DataPosition} is
 * enough to continue exactly where a run stopped.
 */
final class EpochOrder {

    private final int items;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private long epoch;
    private int batchInEpoch;
    private int[] permutation;

    EpochOrder(int items, int batchSize, long seed, boolean shuffle) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.items = items;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.permutation = permutation(0);
    }

    int batchesPerEpoch() {
        return items / batchSize;
    }

    /** The item indices of the next batch; moves to a new epoch (and a new permutation) when one ends. */
    int[] nextBatch() {
        if (batchesPerEpoch() == 0) {
            throw new IllegalStateException("only " + items + " items, fewer than one batch of " + batchSize);
        }
        if (batchInEpoch == batchesPerEpoch()) {
            epoch++;
            batchInEpoch = 0;
            permutation = permutation(epoch);
        }
        int[] batch = new int[batchSize];
        System.arraycopy(permutation, batchInEpoch * batchSize, batch, 0, batchSize);
        batchInEpoch++;
        return batch;
    }

    DataPosition position() {
        return new DataPosition(epoch, batchInEpoch);
    }

    void restore(DataPosition position) {
        if (position.batchInEpoch() > batchesPerEpoch()) {
            throw new IllegalArgumentException("cannot restore batch " + position.batchInEpoch()
                    + " of an epoch that has only " + batchesPerEpoch() + " batches: the data or batch size changed");
        }
        epoch = position.epoch();
        batchInEpoch = position.batchInEpoch();
        permutation = permutation(epoch);
    }

    private int[] permutation(long epochNumber) {
        int[] order = new int[items];
        for (int i = 0; i < items; i++) {
            order[i] = i;
        }
        if (shuffle) {
            // SplittableRandom's algorithm is specified, so the order is the same on every JDK.
            SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epochNumber);
            for (int i = items - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        return order;
    }
}
