package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.tensor.Parallel;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replay promises the same weights bit for bit: every reduction in the engine has a fixed order
 * that does not depend on how work is split, so one thread and the default pool agree exactly.
 */
class ThreadCountDeterminismTest {

    /** Trains a small model with dropout for a few steps and prints a hash of every weight bit. */
    public static void main(String[] args) {
        System.out.println(trainAndHash());
    }

    static String trainAndHash() {
        GptConfig config = new GptConfig(50, 80, 32, 4, 2, 0.1f, true, true, 1e-5f);
        Trainer trainer = new Trainer(Gpt.create(config, 17), TrainerSettings.constant(1e-3f));
        Random random = new Random(4);
        for (int step = 0; step < 3; step++) {
            int[] inputs = random.ints(2 * 70, 0, 50).toArray();
            int[] targets = random.ints(2 * 70, 0, 50).toArray();
            trainer.step(new Batch(2, 70, inputs, targets));
        }
        long hash = 1;
        for (Parameter p : trainer.model().parameters()) {
            for (float v : p.data()) {
                hash = 31 * hash + Float.floatToRawIntBits(v);
            }
        }
        return Long.toHexString(hash);
    }

    @Test
    void oneThreadGivesTheSameWeightsAsThePool() throws Exception {
        String here = trainAndHash();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-Dllm.threads=1",
                "-cp", System.getProperty("java.class.path"), ThreadCountDeterminismTest.class.getName())
                .redirectErrorStream(false).start();
        String there;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            there = out.readLine();
        }
        assertEquals(0, child.waitFor());
        assertEquals(here, there, "weights after training on " + Parallel.threads() + " threads vs 1 thread");
        assertEquals(List.of(here), List.of(trainAndHash()), "and again in the same JVM");
    }
}
