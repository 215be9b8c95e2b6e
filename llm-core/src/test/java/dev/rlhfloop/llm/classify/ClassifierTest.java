package dev.rlhfloop.llm.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.model.PeftAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassifierTest {

    static final GptConfig TINY = new GptConfig(13, 12, 8, 2, 3, 0f, true, true, 1e-5f);

    /** GPT-2's init makes most gradients tiny; larger weights make finite differences meaningful for every tensor. */
    static Gpt scaledUp(GptConfig config, long seed) {
        Gpt gpt = Gpt.create(config, seed);
        Random random = new Random(seed + 1);
        for (Parameter p : gpt.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) (random.nextGaussian() * 0.3);
            }
        }
        return gpt;
    }

    static ClassBatch batch(Random random, int rows, int batchSize, int length, int classes) {
        List<int[]> sequences = new ArrayList<>();
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] tokens = new int[1 + random.nextInt(length)];
            for (int t = 0; t < tokens.length; t++) {
                tokens[t] = 1 + random.nextInt(TINY.vocabSize() - 1);
            }
            sequences.add(tokens);
            labels[r] = random.nextInt(classes);
        }
        return ClassBatch.of(sequences, labels, batchSize, length, 0);
    }

    @Test
    void crossEntropyGradientMatchesFiniteDifferences() {
        Classifier classifier = Classifier.create(scaledUp(TINY, 1), List.of("a", "b", "c"), 2);
        ClassBatch batch = batch(new Random(3), 3, 4, 7, 3);
        classifier.zeroGrad();
        classifier.forwardBackward(batch, 0);
        List<Parameter> all = new ArrayList<>(classifier.backbone().parameters());
        all.add(classifier.head());
        for (Parameter p : all) {
            GradCheck.check("classifier " + p.name(), p.data(), p.grad().clone(), () -> classifier.evaluate(batch).loss(), 30);
        }
    }

    @Test
    void backwardFromTheLastBlockGivesTheSameGradientsThereAndNoneBelow() {
        Classifier full = Classifier.create(scaledUp(TINY, 4), List.of("x", "y"), 5);
        Classifier top = Classifier.create(scaledUp(TINY, 4), List.of("x", "y"), 5);
        ClassBatch batch = batch(new Random(6), 4, 4, 6, 2);
        full.zeroGrad();
        full.forwardBackward(batch, 0);
        top.zeroGrad();
        top.forwardBackward(batch, TINY.layers() - 1);
        List<Parameter> fullParams = full.backbone().parameters();
        List<Parameter> topParams = top.backbone().parameters();
        for (int i = 0; i < fullParams.size(); i++) {
            String name = fullParams.get(i).name();
            boolean trained = name.startsWith("h." + (TINY.layers() - 1) + ".") || name.startsWith("ln_f.");
            if (trained) {
                assertArrayEquals(fullParams.get(i).grad(), topParams.get(i).grad(), 1e-6f, name);
            } else {
                assertFalse(topParams.get(i).hasGrad() && nonZero(topParams.get(i).grad()), name + " got a gradient");
            }
        }
        assertArrayEquals(full.head().grad(), top.head().grad(), 1e-6f);
        assertEquals(ClassifierTraining.Trainable.LAST_BLOCK.lowestLayer(TINY.layers()), TINY.layers() - 1);
    }

    @Test
    void readsTheLastRealTokenWhateverThePadding() {
        Classifier classifier = Classifier.create(scaledUp(TINY, 7), List.of("x", "y"), 8);
        int[] text = {3, 4, 5};
        float[] alone = classifier.probabilities(text);
        ClassBatch padded = ClassBatch.of(List.of(new int[] {9, 9, 9, 9, 9, 9}, text), new int[] {0, 1}, 3, 8, 0);
        float[] logits = classifier.logits(padded).clone();
        float[] expected = softmax(logits, 1);
        assertArrayEquals(alone, expected, 1e-5f);
        float[] shorter = classifier.probabilities(new int[] {3, 4});
        assertTrue(Math.abs(shorter[0] - alone[0]) > 1e-6, "the last token must matter");
    }

    @Test
    void savesAndLoadsTheSamePredictions(@TempDir Path dir) throws IOException {
        Classifier classifier = Classifier.create(scaledUp(TINY, 9), List.of("ham", "spam"), 10);
        float[] before = classifier.probabilities(new int[] {1, 2, 3});
        classifier.save(dir);
        Classifier loaded = Classifier.load(dir);
        assertEquals(List.of("ham", "spam"), loaded.labels());
        assertArrayEquals(before, loaded.probabilities(new int[] {1, 2, 3}), 0f);
    }

    /** With LoRA, the directory holds PEFT's sequence-classification adapter: the head as a module to save. */
    @Test
    void aLoraClassifierSavesTheHeadInThePeftAdapterAndLoadsBack(@TempDir Path dir) throws IOException {
        Gpt backbone = scaledUp(TINY, 11);
        backbone.attachLora(LoraSettings.of(2), 12);
        for (Parameter p : backbone.lora().parameters()) {
            p.data()[0] += 0.5f; // a trained adapter, not the zero-B start
        }
        Classifier classifier = Classifier.create(backbone, List.of("ham", "spam"), 13);
        float[] before = classifier.probabilities(new int[] {1, 2, 3});
        classifier.save(dir);

        Map<String, TensorData> tensors = SafeTensors.read(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertArrayEquals(new int[] {2, TINY.embedDim()}, tensors.get("base_model.model.score.weight").shape());
        assertArrayEquals(classifier.head().data(), tensors.get("base_model.model.score.weight").data(), 0f);
        assertTrue(tensors.containsKey("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"));
        JsonNode config = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile());
        assertEquals("SEQ_CLS", config.get("task_type").asText());
        assertEquals("[\"score\"]", config.get("modules_to_save").toString());

        Classifier loaded = Classifier.load(dir);
        assertTrue(loaded.backbone().lora() != null);
        assertArrayEquals(before, loaded.probabilities(new int[] {1, 2, 3}), 0f);
    }

    private static float[] softmax(float[] logits, int row) {
        float a = logits[row * 2];
        float b = logits[row * 2 + 1];
        float m = Math.max(a, b);
        double ea = Math.exp(a - m);
        double eb = Math.exp(b - m);
        return new float[] {(float) (ea / (ea + eb)), (float) (eb / (ea + eb))};
    }

    private static boolean nonZero(float[] values) {
        for (float v : values) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }
}
