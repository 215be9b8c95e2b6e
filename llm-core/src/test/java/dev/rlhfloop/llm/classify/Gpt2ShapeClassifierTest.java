package dev.rlhfloop.llm.classify;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The book's chapter-6 path at GPT-2 124M's shapes (random weights; the real ones are not part of
 * the project): a few steps of the last-block recipe and of LoRA run and give finite losses.
 */
class Gpt2ShapeClassifierTest {

    @Test
    void lastBlockAndLoraStepsRunAtGpt2Shapes() {
        Gpt backbone = Gpt.create(GptConfig.gpt2().withDropout(0f), 1);
        Classifier classifier = Classifier.create(backbone, List.of("ham", "spam"), 2);
        ClassBatch batch = batch(new Random(3), backbone.config().vocabSize());
        int last = backbone.config().layers() - 1;

        List<Parameter> trained = ClassifierTraining.trainedParameters(classifier, last);
        float[] losses = steps(classifier, batch, trained, last, 3);

        backbone.attachLora(LoraSettings.of(8), 4);
        List<Parameter> adapters = new ArrayList<>(backbone.lora().parameters());
        adapters.add(classifier.head());
        float[] loraLosses = steps(classifier, batch, adapters, backbone.lora().lowestLayer(), 2);
        assertTrue(backbone.lora().adapters().size() == 4 * 12, "four projections in each of 12 blocks");
        assertNotEquals(loraLosses[0], loraLosses[1], "the adapters move");
        assertNotEquals(losses[0], losses[2], "the last block moves");
    }

    private static float[] steps(Classifier classifier, ClassBatch batch, List<Parameter> trained, int lowestLayer, int n) {
        AdamW optimizer = new AdamW(trained, AdamWSettings.torch(0.1f));
        float[] losses = new float[n];
        for (int i = 0; i < n; i++) {
            classifier.zeroGrad();
            losses[i] = classifier.forwardBackward(batch, lowestLayer).loss();
            assertTrue(Float.isFinite(losses[i]), "loss " + losses[i]);
            optimizer.update(1e-4f);
        }
        return losses;
    }

    private static ClassBatch batch(Random random, int vocab) {
        List<int[]> texts = List.of(random.ints(20, 0, vocab).toArray(), random.ints(11, 0, vocab).toArray());
        return ClassBatch.of(texts, new int[] {0, 1}, 2, 20, 50256);
    }
}
