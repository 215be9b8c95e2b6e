package dev.rlhfloop.llm.data;

import java.util.SplittableRandom;

/**
 * The order in which a loader visits its items: a fresh permutation per epoch, derived only from
 * the seed and the epoch number, cut into full batches (an incomplete last batch is dropped, as in
 * the book's training loaders). Because nothing else feeds the order, a {@link DataPosition} is
 * enough to continue exactly where a run stopped.
 *
 * <p>Given item lengths, an epoch's permutation is grouped by length: each run of
 * {@link #GROUP_BATCHES} batches' worth of shuffled items is sorted by length, cut into batches, and
 * those batches are shuffled again. A batch padded to its longest item then wastes little on
 * padding, while every item is still seen once per epoch in an order that changes each epoch.
 */
final class EpochOrder {

    private final int items;
    private final int batchSize;
    private final long seed;
    private final int[] lengths;
    private long epoch;
    private int batchInEpoch;
    private int[] permutation;

    /** Batches whose items are sorted by length together, when lengths are given. */
    static final int GROUP_BATCHES = 32;

    /** {@code lengths} (one per item, or null for plain shuffling) groups items of similar length into batches. */
    EpochOrder(int items, int batchSize, long seed, int[] lengths) {
        if (lengths != null && lengths.length != items) {
            throw new IllegalArgumentException(lengths.length + " lengths for " + items + " items");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        this.items = items;
        this.batchSize = batchSize;
        this.seed = seed;
        this.lengths = lengths == null ? null : lengths.clone();
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
        // SplittableRandom's algorithm is specified, so the order is the same on every JDK.
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epochNumber);
        int[] order = shuffled(items, random);
        if (lengths != null) {
            groupByLength(order, random);
        }
        return order;
    }

    private void groupByLength(int[] order, SplittableRandom random) {
        int group = GROUP_BATCHES * batchSize;
        int usable = batchesPerEpoch() * batchSize;
        for (int from = 0; from < usable; from += group) {
            int to = Math.min(from + group, usable);
            Integer[] slice = new Integer[to - from];
            for (int i = from; i < to; i++) {
                slice[i - from] = order[i];
            }
            java.util.Arrays.sort(slice, java.util.Comparator.comparingInt(item -> lengths[item])); // stable
            int batches = slice.length / batchSize;
            int[] batchOrder = shuffled(batches, random);
            for (int b = 0; b < batches; b++) {
                for (int r = 0; r < batchSize; r++) {
                    order[from + b * batchSize + r] = slice[batchOrder[b] * batchSize + r];
                }
            }
        }
    }

    /** 0..n-1 in a Fisher–Yates order drawn from {@code random}. */
    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
