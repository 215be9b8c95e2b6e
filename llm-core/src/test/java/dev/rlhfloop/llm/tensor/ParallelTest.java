package dev.rlhfloop.llm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        AtomicIntegerArray seen = new AtomicIntegerArray(1000);
        Parallel.forEach(0, 1000, seen::incrementAndGet);
        for (int i = 0; i < 1000; i++) {
            assertEquals(1, seen.get(i), "index " + i);
        }
    }

    @Test
    void nestedCallsRunInlineOnTheChunksThread() {
        List<String> mismatches = new CopyOnWriteArrayList<>();
        Parallel.forChunks(0, Parallel.threads(), (from, to) -> {
            Thread outer = Thread.currentThread();
            Parallel.forChunks(0, 64, (innerFrom, innerTo) -> {
                if (Thread.currentThread() != outer || innerFrom != 0 || innerTo != 64) {
                    mismatches.add(innerFrom + ".." + innerTo + " on " + Thread.currentThread().getName());
                }
            });
        });
        assertEquals(List.of(), mismatches);
    }

    @Test
    void aFailingChunkFailsTheCall() {
        IllegalStateException error = assertThrows(IllegalStateException.class, () ->
                Parallel.forEach(0, 100, i -> {
                    if (i == 0 || i == 99) {
                        throw new IllegalStateException("chunk failed at " + i);
                    }
                }));
        assertEquals("chunk failed at 0", error.getMessage(), "the caller's own chunk fails first");
        // The pool still works afterwards.
        AtomicIntegerArray seen = new AtomicIntegerArray(10);
        Parallel.forEach(0, 10, seen::incrementAndGet);
        assertEquals(1, seen.get(9));
    }

    @org.junit.jupiter.api.Test
    void theDefaultLeavesACoreFreeOnMachinesWithMoreThanTwo() {
        org.junit.jupiter.api.Assertions.assertEquals(1, KernelThreads.defaultFor(1));
        org.junit.jupiter.api.Assertions.assertEquals(2, KernelThreads.defaultFor(2));
        org.junit.jupiter.api.Assertions.assertEquals(2, KernelThreads.defaultFor(3));
        org.junit.jupiter.api.Assertions.assertEquals(7, KernelThreads.defaultFor(8));
    }

    @org.junit.jupiter.api.Test
    void aSettingAfterThePoolStartedWithAnotherCountIsRefused() {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty(KernelThreads.PROPERTY) == null,
                "-Dllm.threads given: it wins over any setting");
        int running = Parallel.threads();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> KernelThreads.configure(0, "--threads"));
        KernelThreads.configure(running, "--threads"); // the same count: fine
        IllegalStateException late = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> KernelThreads.configure(running + 1, "--threads"));
        org.junit.jupiter.api.Assertions.assertTrue(late.getMessage().contains("--threads"), late.getMessage());
    }
}
