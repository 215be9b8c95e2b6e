package dev.rlhfloop.llm.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlidingWindowLoaderTest {

    private static int[] range(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 100 + i;
        }
        return ids;
    }

    @Test
    void windowsStartEveryStrideAndLeaveRoomForTheLastTarget() {
        // Like the book's range(0, len - max_length, stride).
        assertEquals(0, SlidingWindowLoader.windowCount(4, 4, 1));
        assertEquals(1, SlidingWindowLoader.windowCount(5, 4, 1));
        assertEquals(6, SlidingWindowLoader.windowCount(10, 4, 1));
        assertEquals(3, SlidingWindowLoader.windowCount(10, 4, 2));
        assertEquals(2, SlidingWindowLoader.windowCount(10, 4, 4));
        assertEquals(2, SlidingWindowLoader.windowCount(9, 4, 4));
        assertEquals(1, SlidingWindowLoader.windowCount(8, 4, 4));
    }

    @Test
    void inOrderBatchesHoldShiftedWindowsHandChecked() {
        SlidingWindowLoader loader = new SlidingWindowLoader(range(10), 2, 4, 2, 1);
        List<Batch> batches = loader.inOrder(Integer.MAX_VALUE);
        assertEquals(2, batches.size());
        assertArrayEquals(new int[] {100, 101, 102, 103, 102, 103, 104, 105}, batches.get(0).inputs());
        assertArrayEquals(new int[] {101, 102, 103, 104, 103, 104, 105, 106}, batches.get(0).targets());
        assertEquals(1, batches.get(1).batchSize(), "the third window is a batch of one");
        assertArrayEquals(new int[] {104, 105, 106, 107}, batches.get(1).inputs());
        assertArrayEquals(new int[] {105, 106, 107, 108}, batches.get(1).targets());
        assertEquals(1, loader.inOrder(1).size());
    }

    @Test
    void eachEpochVisitsEveryFullBatchWindowOnceInANewOrder() {
        SlidingWindowLoader loader = new SlidingWindowLoader(range(103), 4, 3, 1, 7);
        assertEquals(100, loader.windows());
        assertEquals(25, loader.batchesPerEpoch());
        List<Integer> firstEpoch = new ArrayList<>();
        for (int b = 0; b < 25; b++) {
            Batch batch = loader.next();
            for (int r = 0; r < 4; r++) {
                firstEpoch.add(batch.inputs()[r * 3] - 100);
                assertEquals(batch.inputs()[r * 3 + 1], batch.targets()[r * 3]);
            }
        }
        assertEquals(100, new HashSet<>(firstEpoch).size());
        assertNotEquals(firstEpoch.subList(0, 10), List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), "shuffled");
        assertEquals(new DataPosition(0, 25), loader.position());
        List<Integer> secondEpochStart = new ArrayList<>();
        Batch next = loader.next();
        for (int r = 0; r < 4; r++) {
            secondEpochStart.add(next.inputs()[r * 3] - 100);
        }
        assertEquals(new DataPosition(1, 1), loader.position());
        assertNotEquals(firstEpoch.subList(0, 4), secondEpochStart, "a new permutation each epoch");
    }

    @Test
    void aRestoredLoaderContinuesExactlyWhereTheOtherStopped() {
        int[] tokens = range(500);
        SlidingWindowLoader uninterrupted = new SlidingWindowLoader(tokens, 3, 8, 4, 99);
        SlidingWindowLoader interrupted = new SlidingWindowLoader(tokens, 3, 8, 4, 99);
        for (int i = 0; i < 50; i++) {   // past the end of the first epoch (41 batches)
            uninterrupted.next();
            interrupted.next();
        }
        DataPosition saved = interrupted.position();
        SlidingWindowLoader resumed = new SlidingWindowLoader(tokens, 3, 8, 4, 99);
        resumed.restore(saved);
        for (int i = 0; i < 60; i++) {
            Batch expected = uninterrupted.next();
            Batch actual = resumed.next();
            assertArrayEquals(expected.inputs(), actual.inputs(), "batch " + i + " after resume");
            assertArrayEquals(expected.targets(), actual.targets());
        }
        assertEquals(uninterrupted.position(), resumed.position());
    }

    @Test
    void differentSeedsGiveDifferentOrders() {
        Set<Integer> firsts = new HashSet<>();
        for (long seed = 0; seed < 5; seed++) {
            firsts.add(new SlidingWindowLoader(range(200), 1, 4, 1, seed).next().inputs()[0]);
        }
        assertTrue(firsts.size() > 1);
    }

    @Test
    void splitKeepsOrderAndCutsAtTheFraction() {
        SlidingWindowLoader.Split split = SlidingWindowLoader.split(range(100), 0.1);
        assertEquals(90, split.train().length);
        assertEquals(10, split.validation().length);
        assertEquals(100, split.train()[0]);
        assertEquals(190, split.validation()[0]);
        assertThrows(IllegalArgumentException.class, () -> SlidingWindowLoader.split(range(10), 1.0));
    }

    @Test
    void tooShortDataAndBadRestoresAreClearErrors() {
        IllegalArgumentException shortData = assertThrows(IllegalArgumentException.class, () -> new SlidingWindowLoader(range(4), 1, 4, 1, 0));
        assertTrue(shortData.getMessage().contains("4 tokens"), shortData.getMessage());
        SlidingWindowLoader fewWindows = new SlidingWindowLoader(range(6), 4, 4, 1, 0);
        assertEquals(1, fewWindows.inOrder(10).size(), "fewer windows than a batch still validate");
        assertThrows(IllegalStateException.class, fewWindows::next);
        SlidingWindowLoader loader = new SlidingWindowLoader(range(20), 2, 4, 1, 0);
        assertThrows(IllegalArgumentException.class, () -> loader.restore(new DataPosition(0, 100)));
    }
}
