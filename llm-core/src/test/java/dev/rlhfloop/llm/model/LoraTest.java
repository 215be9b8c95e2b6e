package dev.rlhfloop.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import static dev.rlhfloop.llm.model.GradCheck.check;
import static dev.rlhfloop.llm.model.GradCheck.project;
import static dev.rlhfloop.llm.model.GradCheck.randoms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA: the kernel against scalar loops and finite differences, the whole model's adapter gradients, merging, PEFT files. */
class LoraTest {

    private static final double GRADIENT_CHECK_B = 0.2;

    private final Random random = new Random(17);

    @Test
    void forwardAndBackwardMatchPlainLoops() {
        int rows = 5, in = 7, outs = 11, rank = 3;
        float scaling = 1.7f;
        float[] x = randoms(random, rows * in, 1), a = randoms(random, rank * in, 1), b = randoms(random, outs * rank, 1);
        float[] base = randoms(random, rows * outs, 1);
        float[] out = base.clone();
        float[] down = new float[rows * rank];
        LoraLinear.forward(out, down, x, a, b, scaling, rows, in, outs, rank);
        float[] dout = randoms(random, rows * outs, 1);
        float[] dx = randoms(random, rows * in, 1);
        float[] dxBefore = dx.clone();
        float[] da = new float[rank * in], db = new float[outs * rank];
        LoraLinear.backward(dx, da, db, new float[rows * rank], dout, x, down, a, b, scaling, rows, in, outs, rank);

        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outs; o++) {
                double sum = base[r * outs + o];
                for (int k = 0; k < rank; k++) {
                    double d = 0;
                    for (int i = 0; i < in; i++) {
                        d += x[r * in + i] * a[k * in + i];
                    }
                    sum += scaling * d * b[o * rank + k];
                }
                assertEquals(sum, out[r * outs + o], 1e-4);
            }
        }
        // d out[r,o] / d x[r,i] = scaling * sum_k b[o,k] a[k,i]
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < in; i++) {
                double g = 0;
                for (int o = 0; o < outs; o++) {
                    for (int k = 0; k < rank; k++) {
                        g += dout[r * outs + o] * scaling * b[o * rank + k] * a[k * in + i];
                    }
                }
                assertEquals(dxBefore[r * in + i] + g, dx[r * in + i], 1e-4, "dx adds into what was there");
            }
        }
        for (int o = 0; o < outs; o++) {
            for (int k = 0; k < rank; k++) {
                double g = 0;
                for (int r = 0; r < rows; r++) {
                    g += dout[r * outs + o] * down[r * rank + k];
                }
                assertEquals(g, db[o * rank + k], 1e-4);
            }
        }
    }

    @Test
    void kernelGradientsMatchFiniteDifferences() {
        int rows = 3, in = 5, outs = 6, rank = 2;
        float scaling = 0.8f;
        float[] x = randoms(random, rows * in, 1), a = randoms(random, rank * in, 1), b = randoms(random, outs * rank, 1);
        float[] r = randoms(random, rows * outs, 1);
        float[] out = new float[rows * outs], down = new float[rows * rank];
        DoubleSupplier loss = () -> {
            Arrays.fill(out, 0f);
            LoraLinear.forward(out, down, x, a, b, scaling, rows, in, outs, rank);
            return project(out, r);
        };
        loss.getAsDouble();
        float[] dx = new float[rows * in], da = new float[rank * in], db = new float[outs * rank];
        LoraLinear.backward(dx, da, db, new float[rows * rank], r, x, down, a, b, scaling, rows, in, outs, rank);
        check("lora dx", x, dx, loss, 100);
        check("lora dA", a, da, loss, 100);
        check("lora dB", b, db, loss, 100);
    }

    private static Gpt scaledUp(GptConfig config, long seed) {
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

    /** B starts at zero, which would hide a wrong A gradient (and make merging trivial): give B values of size {@code std}. */
    private static void randomizeB(Gpt gpt, long seed, double std) {
        Random random = new Random(seed);
        for (LoraAdapters.Adapter adapter : gpt.lora().adapters()) {
            float[] b = adapter.b.data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (random.nextGaussian() * std);
            }
        }
    }

    private static Batch batch(Random random, GptConfig config, int batchSize, int length) {
        int[] inputs = new int[batchSize * length];
        int[] targets = new int[batchSize * length];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextInt(config.vocabSize());
            targets[i] = random.nextInt(config.vocabSize());
        }
        return new Batch(batchSize, length, inputs, targets);
    }

    @Test
    void adapterGradientsOfTheWholeModelMatchFiniteDifferencesAndTheBaseGetsNone() {
        GptConfig config = new GptConfig(11, 6, 8, 2, 2, 0.2f, true, true, 1e-5f);
        Gpt gpt = scaledUp(config, 3);
        gpt.attachLora(LoraSettings.of(3).withAlpha(6), 4);
        randomizeB(gpt, 5, GRADIENT_CHECK_B);
        Batch batch = batch(new Random(6), config, 2, 5);
        gpt.setTraining(true);
        DoubleSupplier loss = () -> {
            gpt.setDropoutState(9, 0);
            return gpt.loss(batch);
        };
        loss.getAsDouble();
        gpt.zeroGrad();
        gpt.backward();
        assertEquals(2 * 2 * 4, gpt.trainableParameters().size(), "A and B for four projections in two blocks");
        for (Parameter p : gpt.trainableParameters()) {
            check("lora " + p.name(), p.data(), p.grad().clone(), loss, 40);
        }
        for (Parameter p : gpt.parameters()) {
            if (p.isMatrix() && p.hasGrad()) {
                for (float g : p.grad()) {
                    assertEquals(0f, g, "frozen " + p.name() + " got a gradient");
                }
            }
        }
    }

    @Test
    void onlyTheChosenModulesAndLayersGetAdapters() {
        GptConfig config = new GptConfig(11, 6, 8, 2, 3, 0f, true, true, 1e-5f);
        Gpt gpt = Gpt.create(config, 1);
        gpt.attachLora(LoraSettings.of(2).withModules(List.of("c_proj")).withLayers(List.of(1, 2)), 2);
        List<String> names = gpt.trainableParameters().stream().map(Parameter::name).toList();
        assertEquals(List.of("h.1.attn.c_proj.lora_A.weight", "h.1.attn.c_proj.lora_B.weight",
                "h.1.mlp.c_proj.lora_A.weight", "h.1.mlp.c_proj.lora_B.weight",
                "h.2.attn.c_proj.lora_A.weight", "h.2.attn.c_proj.lora_B.weight",
                "h.2.mlp.c_proj.lora_A.weight", "h.2.mlp.c_proj.lora_B.weight"), names);
        assertEquals(1, gpt.lora().lowestLayer());
        assertThrows(IllegalArgumentException.class, () -> Gpt.create(config, 1).attachLora(LoraSettings.of(2).withLayers(List.of(3)), 2));
    }

    @Test
    void aFreshAdapterChangesNothingAndATrainedOneDoes() {
        GptConfig config = GptConfig.nano().withDropout(0f);
        Gpt gpt = Gpt.create(config, 7);
        int[] ids = new Random(8).ints(12, 0, config.vocabSize()).toArray();
        float[] before = gpt.forward(ids, 1, ids.length).clone();
        gpt.attachLora(LoraSettings.of(4), 9);
        assertArrayEquals(before, gpt.forward(ids, 1, ids.length).clone(), 0f);
        randomizeB(gpt, 10, 0.02);
        assertFalse(Arrays.equals(before, gpt.forward(ids, 1, ids.length)));
    }

    @Test
    void mergedLogitsEqualBasePlusAdapterAtNanoShapes() {
        checkMerge(GptConfig.nano().withDropout(0f), 12, 8);
    }

    /** GPT-2 124M's shapes with random weights: one forward of 16 tokens each way. */
    @Test
    void mergedLogitsEqualBasePlusAdapterAtGpt2Shapes() {
        checkMerge(GptConfig.gpt2().withDropout(0f), 16, 16);
    }

    private void checkMerge(GptConfig config, int tokens, int rank) {
        Gpt gpt = Gpt.create(config, 11);
        gpt.attachLora(LoraSettings.of(rank).withAlpha(2f * rank), 12);
        randomizeB(gpt, 13, 0.02);
        int[] ids = new Random(14).ints(tokens, 0, config.vocabSize()).toArray();
        float[] adapted = gpt.forward(ids, 1, tokens).clone();
        float[] cached = gpt.forwardCached(gpt.newCache(), ids);
        gpt.mergeLora();
        assertNull(gpt.lora());
        float[] merged = gpt.forward(ids, 1, tokens);
        double worst = 0;
        for (int i = 0; i < adapted.length; i++) {
            worst = Math.max(worst, Math.abs(adapted[i] - merged[i]));
        }
        assertTrue(worst <= 1e-5, "merged logits differ from base + adapter by " + worst);
        int v = config.vocabSize();
        float[] lastRow = Arrays.copyOfRange(adapted, (tokens - 1) * v, tokens * v);
        assertArrayEquals(lastRow, cached, 1e-4f, "the cached inference path applies the adapter too");
    }

    @Test
    void savesInPeftsLayoutAndReadsBack(@TempDir Path dir) throws IOException {
        GptConfig config = new GptConfig(20, 8, 16, 2, 2, 0f, true, true, 1e-5f);
        Gpt gpt = Gpt.create(config, 21);
        gpt.attachLora(LoraSettings.of(4).withAlpha(8).withModules(List.of("c_attn", "c_fc")).withLayers(List.of(1)), 22);
        randomizeB(gpt, 23, 0.5);
        GptCheckpoint.save(gpt, dir);

        Map<String, TensorData> tensors = SafeTensors.read(dir.resolve(PeftAdapter.WEIGHTS_FILE));
        assertEquals(Map.of(
                "base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", List.of(4, 16),
                "base_model.model.transformer.h.1.attn.c_attn.lora_B.weight", List.of(48, 4),
                "base_model.model.transformer.h.1.mlp.c_fc.lora_A.weight", List.of(4, 16),
                "base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight", List.of(64, 4)),
                shapes(tensors));
        JsonNode adapterConfig = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG_FILE).toFile());
        assertEquals("LORA", adapterConfig.get("peft_type").asText());
        assertEquals(4, adapterConfig.get("r").asInt());
        assertEquals(8.0, adapterConfig.get("lora_alpha").asDouble());
        assertTrue(adapterConfig.get("fan_in_fan_out").asBoolean());
        assertEquals("[\"c_attn\",\"c_fc\"]", adapterConfig.get("target_modules").toString());
        assertEquals("[1]", adapterConfig.get("layers_to_transform").toString());
        // the base is saved unchanged: no adapter key leaks into model.safetensors
        assertTrue(SafeTensors.read(dir.resolve(GptCheckpoint.WEIGHTS_FILE)).keySet().stream().noneMatch(k -> k.contains("lora")));

        Gpt loaded = GptCheckpoint.load(dir);
        assertEquals(gpt.lora().settings(), loaded.lora().settings());
        int[] ids = {1, 2, 3, 4, 5};
        assertArrayEquals(gpt.forward(ids, 1, 5).clone(), loaded.forward(ids, 1, 5), 0f);

        loaded.mergeLora();
        GptCheckpoint.save(loaded, dir);
        assertFalse(Files.exists(dir.resolve(PeftAdapter.CONFIG_FILE)), "a merged model leaves no stale adapter behind");
        assertNull(GptCheckpoint.load(dir).lora());
    }

    @Test
    void aWrongAdapterShapeIsAClearError(@TempDir Path dir) throws IOException {
        GptConfig config = new GptConfig(20, 8, 16, 2, 1, 0f, true, true, 1e-5f);
        Gpt gpt = Gpt.create(config, 31);
        gpt.attachLora(LoraSettings.of(2), 32);
        GptCheckpoint.save(gpt, dir);
        Map<String, TensorData> tensors = new java.util.LinkedHashMap<>(SafeTensors.read(dir.resolve(PeftAdapter.WEIGHTS_FILE)));
        String key = "base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight";
        tensors.put(key, new TensorData(new int[] {2, 64}, new float[128]));
        SafeTensors.write(dir.resolve(PeftAdapter.WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        IOException e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("[2, 64]"), e.getMessage());
    }

    private static Map<String, List<Integer>> shapes(Map<String, TensorData> tensors) {
        Map<String, List<Integer>> shapes = new java.util.TreeMap<>();
        tensors.forEach((name, t) -> shapes.put(name, Arrays.stream(t.shape()).boxed().toList()));
        return shapes;
    }
}
