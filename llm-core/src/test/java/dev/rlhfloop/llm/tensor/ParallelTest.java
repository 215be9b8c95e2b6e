package dev.rlhfloop.llm.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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

    @Test
    @Timeout(60)
    void callsBackToBackAndAfterTheWorkersParkedEachRunEveryChunkOnce() throws InterruptedException {
        // Back to back the workers are still spinning; after a pause of a few ms they have parked
        // and must be woken: a lost wake-up would hang here.
        int size = 3 * Parallel.threads() + 1;
        for (int round = 0; round < 20_000; round++) {
            if (round % 1_000 == 999) {
                Thread.sleep(5);
            }
            AtomicIntegerArray seen = new AtomicIntegerArray(size);
            Parallel.forEach(0, size, seen::incrementAndGet);
            for (int i = 0; i < size; i++) {
                assertEquals(1, seen.get(i), "round " + round + ", index " + i);
            }
        }
    }

    @Test
    @Timeout(60)
    void concurrentCallersEachGetEveryIndexOnce() throws InterruptedException {
        // One caller at a time has the workers; the others run their chunks themselves.
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> callers = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int caller = t;
            callers.add(new Thread(() -> {
                for (int round = 0; round < 2_000; round++) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(97);
                    Parallel.forEach(0, 97, seen::incrementAndGet);
                    for (int i = 0; i < 97; i++) {
                        if (seen.get(i) != 1) {
                            failures.add("caller " + caller + ", round " + round + ", index " + i + ": " + seen.get(i));
                        }
                    }
                }
            }));
        }
        callers.forEach(Thread::start);
        for (Thread caller : callers) {
            caller.join();
        }
        assertEquals(List.of(), failures);
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
