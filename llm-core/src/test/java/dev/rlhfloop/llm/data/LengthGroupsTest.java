package dev.rlhfloop.llm.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LengthGroupsTest {

    @Test
    void equalLengthsStayOneBatchAndVeryDifferentOnesSplit() {
        assertEquals(List.of(List.of(0, 1, 2, 3)), lists(LengthGroups.of(new int[] {40, 40, 40, 40}, 2)));
        // one long row would pad seven short ones to its length: 2·8·133 + 48 against 2·7·71 + 2·133 + 96
        List<int[]> groups = LengthGroups.of(new int[] {69, 48, 65, 71, 133, 67, 44, 57}, 2);
        assertTrue(groups.size() > 1, "split: " + lists(groups));
        assertArrayEquals(new int[] {4}, groups.get(groups.size() - 1), "the longest alone, last");
        assertEquals(List.of(), LengthGroups.of(new int[0], 2));
    }

    @Test
    void theCutIsTheCheapestOfEveryWayToCutTheSortedItems() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(9);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) lengths[i] = 1 + random.nextInt(trial % 2 == 0 ? 20 : 200);
            int rows = 1 + random.nextInt(2);
            List<int[]> groups = LengthGroups.of(lengths, rows);

            int[] seen = groups.stream().flatMapToInt(Arrays::stream).sorted().toArray();
            int[] all = new int[n];
            for (int i = 0; i < n; i++) all[i] = i;
            assertArrayEquals(all, seen, "every item in exactly one group");
            for (int[] group : groups) {
                for (int k = 1; k < group.length; k++) assertTrue(group[k - 1] < group[k], "a group keeps the items' order");
            }
            assertEquals(cheapest(lengths, rows), cost(groups, lengths, rows), "lengths " + Arrays.toString(lengths));
        }
    }

    /** By brute force: every cut of the items sorted by length into consecutive groups. */
    private static long cheapest(int[] lengths, int rows) {
        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        long best = Long.MAX_VALUE;
        for (int cuts = 0; cuts < 1 << (sorted.length - 1); cuts++) {
            long cost = 0;
            int start = 0;
            for (int i = 0; i < sorted.length; i++) {
                boolean end = i == sorted.length - 1 || (cuts & 1 << i) != 0;
                if (end) {
                    cost += LengthGroups.GROUP_COST + (long) rows * (i - start + 1) * sorted[i];
                    start = i + 1;
                }
            }
            best = Math.min(best, cost);
        }
        return best;
    }

    private static long cost(List<int[]> groups, int[] lengths, int rows) {
        long cost = 0;
        for (int[] group : groups) {
            int longest = Arrays.stream(group).map(i -> lengths[i]).max().orElseThrow();
            cost += LengthGroups.GROUP_COST + (long) rows * group.length * longest;
        }
        return cost;
    }

    private static List<List<Integer>> lists(List<int[]> groups) {
        List<List<Integer>> lists = new ArrayList<>();
        for (int[] group : groups) lists.add(Arrays.stream(group).boxed().toList());
        return lists;
    }
}
