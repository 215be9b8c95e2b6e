package dev.rlhfloop.llm.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchSchedulerTest {

    private static final GptConfig CONFIG = new GptConfig(97, 64, 32, 4, 2, 0f, true, true, 1e-5f);

    private static SamplingSettings settings(int i) {
        return new SamplingSettings(0.8f, 20, 1f, 10 + i, 100 + i, -1);
    }

    /** Callers on many threads share the batch (two models at once), and each gets what its seed gives alone. */
    @Test
    void concurrentCallersGetTheSequencesGeneratedAlone() throws Exception {
        Gpt[] models = {Gpt.create(CONFIG, 1), Gpt.create(CONFIG, 2)};
        int[] prompt = {5, 6, 7, 8, 9};
        int callers = 12;
        List<Generation> alone = new ArrayList<>();
        for (int i = 0; i < callers; i++) {
            alone.add(new Generator(models[i % 2]).generate(prompt, settings(i)));
        }
        BatchScheduler scheduler = new BatchScheduler(4, "test-batch");
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Generation>> together = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                int index = i;
                together.add(threads.submit(() -> scheduler.generate(models[index % 2], prompt, settings(index), TokenListener.NONE)));
            }
            for (int i = 0; i < callers; i++) {
                assertArrayEquals(alone.get(i).tokens(), together.get(i).get(60, TimeUnit.SECONDS).tokens(), "caller " + i);
            }
        } finally {
            threads.shutdownNow();
            scheduler.close();
        }
        assertTrue(scheduler.meanBatch() > 1, "mean batch " + scheduler.meanBatch());
    }

    /** A listener that throws ends its own sequence with that exception; the others go on. */
    @Test
    void aFailingListenerEndsOnlyItsSequence() throws Exception {
        Gpt model = Gpt.create(CONFIG, 1);
        int[] prompt = {5, 6, 7};
        BatchScheduler scheduler = new BatchScheduler(8, "test-batch");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Generation> failing = threads.submit(() -> scheduler.generate(model, prompt, settings(20), (token, logProb) -> {
                throw new IllegalStateException("listener broke");
            }));
            Future<Generation> fine = threads.submit(() -> scheduler.generate(model, prompt, settings(21), TokenListener.NONE));
            ExecutionException error = assertThrows(ExecutionException.class, () -> failing.get(60, TimeUnit.SECONDS));
            assertEquals("listener broke", error.getCause().getMessage());
            assertEquals(settings(21).maxNewTokens(), fine.get(60, TimeUnit.SECONDS).newTokens().length);
        } finally {
            threads.shutdownNow();
            scheduler.close();
        }
    }
}
