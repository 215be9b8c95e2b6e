package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    private static final GptConfig CONFIG = new GptConfig(32, 16, 32, 4, 2, 0.1f, true, true, 1e-5f);

    @TempDir
    Path dir;

    private static Batch batch(long seed, int batchSize, int length) {
        Random random = new Random(seed);
        int[] inputs = new int[batchSize * length];
        int[] targets = new int[batchSize * length];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextInt(CONFIG.vocabSize());
        }
        for (int i = 0; i < inputs.length; i++) {
            targets[i] = (inputs[i] * 7 + 3) % CONFIG.vocabSize(); // a learnable mapping
        }
        return new Batch(batchSize, length, inputs, targets);
    }

    private static TrainerSettings settings() {
        return new TrainerSettings(new LearningRateSchedule(3e-3f, 3e-4f, 3, 40), AdamWSettings.defaults(), 1.0);
    }

    @Test
    void lossFallsOnALearnableTask() {
        TrainerSettings fast = new TrainerSettings(new LearningRateSchedule(1e-2f, 1e-3f, 3, 40), AdamWSettings.defaults(), 1.0);
        Trainer trainer = new Trainer(Gpt.create(CONFIG.withDropout(0f), 1), fast);
        float first = trainer.step(batch(0, 4, 12)).loss();
        float last = first;
        for (int i = 1; i < 40; i++) {
            last = trainer.step(batch(i, 4, 12)).loss();
        }
        assertTrue(first > 3.0 && last < 1.0, "loss should fall from ~ln 32 to well below: " + first + " -> " + last);
        float eval = trainer.evaluate(List.of(batch(99, 2, 12)));
        assertTrue(eval < 1.0, "held-out loss " + eval);
    }

    @Test
    void runsAreBitForBitReproducibleAndResumeExactly() throws Exception {
        Trainer a = new Trainer(Gpt.create(CONFIG, 5), settings());
        Trainer b = new Trainer(Gpt.create(CONFIG, 5), settings());
        for (int i = 0; i < 3; i++) {
            assertEquals(a.step(batch(i, 2, 8)).loss(), b.step(batch(i, 2, 8)).loss(), 0f);
        }
        a.save(dir);
        Trainer resumed = Trainer.resume(dir, settings());
        for (int i = 3; i < 6; i++) {
            Trainer.StepResult x = a.step(List.of(batch(i, 2, 8), batch(i + 100, 2, 8)));
            Trainer.StepResult y = resumed.step(List.of(batch(i, 2, 8), batch(i + 100, 2, 8)));
            assertEquals(x.loss(), y.loss(), 0f);
            assertEquals(x.learningRate(), y.learningRate(), 0f);
        }
        List<Parameter> pa = a.model().parameters();
        List<Parameter> pr = resumed.model().parameters();
        for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pa.get(i).data(), pr.get(i).data(), pa.get(i).name());
        }
    }

    /** With LoRA the checkpoint is the base plus the PEFT adapter and the adapters' moments: a resume continues exactly, the base untouched. */
    @Test
    void loraRunsResumeExactlyAndLeaveTheBaseAlone() throws Exception {
        Gpt base = Gpt.create(CONFIG, 6);
        Gpt model = base.copy();
        model.attachLora(LoraSettings.of(4).withAlpha(8), 7);
        Trainer a = new Trainer(model, settings());
        for (int i = 0; i < 3; i++) {
            a.step(batch(i, 2, 8));
        }
        a.save(dir);
        Trainer resumed = Trainer.resume(dir, settings());
        assertEquals(model.lora().settings(), resumed.model().lora().settings());
        for (int i = 3; i < 6; i++) {
            assertEquals(a.step(batch(i, 2, 8)).loss(), resumed.step(batch(i, 2, 8)).loss(), 0f);
        }
        List<Parameter> pa = a.model().trainableParameters();
        List<Parameter> pr = resumed.model().trainableParameters();
        for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pa.get(i).data(), pr.get(i).data(), pa.get(i).name());
        }
        for (int i = 0; i < base.parameters().size(); i++) {
            assertArrayEquals(base.parameters().get(i).data(), resumed.model().parameters().get(i).data(), base.parameters().get(i).name());
        }
    }

    @Test
    void accumulatedMicroBatchesGiveTheGradientOfTheWholeBatch() {
        Batch whole = batch(3, 2, 8);
        Batch first = new Batch(1, 8, java.util.Arrays.copyOfRange(whole.inputs(), 0, 8), java.util.Arrays.copyOfRange(whole.targets(), 0, 8));
        Batch second = new Batch(1, 8, java.util.Arrays.copyOfRange(whole.inputs(), 8, 16), java.util.Arrays.copyOfRange(whole.targets(), 8, 16));
        GptConfig noDropout = CONFIG.withDropout(0f);
        Gpt gpt = Gpt.create(noDropout, 2);
        gpt.zeroGrad();
        gpt.loss(whole);
        gpt.backward();
        float[] expected = gpt.weights().blocks.get(1).fcWeight.grad().clone();
        gpt.zeroGrad();
        gpt.loss(first);
        gpt.backward(0.5f);
        gpt.loss(second);
        gpt.backward(0.5f);
        float[] accumulated = gpt.weights().blocks.get(1).fcWeight.grad();
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], accumulated[i], 1e-6f, "index " + i);
        }
    }
}
