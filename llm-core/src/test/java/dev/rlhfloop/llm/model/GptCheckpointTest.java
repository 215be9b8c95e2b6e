package dev.rlhfloop.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GptCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void savesInTheHuggingFaceLayoutAndLoadsBack() throws IOException {
        GptConfig config = new GptConfig(50, 8, 16, 2, 2, 0.1f, true, true, 1e-5f);
        Gpt gpt = Gpt.create(config, 7);
        GptCheckpoint.save(gpt, dir);

        JsonNode json = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        assertEquals(16, json.get("n_embd").asInt());
        assertEquals(2, json.get("n_head").asInt());
        assertEquals(8, json.get("n_positions").asInt());
        assertEquals("gpt2", json.get("model_type").asText());

        Map<String, TensorData> tensors = SafeTensors.read(dir.resolve("model.safetensors"));
        assertArrayEquals(new int[] {16, 48}, tensors.get("h.0.attn.c_attn.weight").shape());
        assertArrayEquals(new int[] {64, 16}, tensors.get("h.1.mlp.c_proj.weight").shape());
        assertArrayEquals(new int[] {50, 16}, tensors.get("wte.weight").shape());
        assertTrue(!tensors.containsKey("lm_head.weight"), "a tied head is not stored twice");

        Gpt loaded = GptCheckpoint.load(dir);
        assertEquals(config, loaded.config());
        int[] tokens = {1, 2, 3, 4};
        assertArrayEquals(gpt.forward(tokens, 1, 4).clone(), loaded.forward(tokens, 1, 4));
    }

    @Test
    void modelWithoutQkvBiasStaysLoadableByTransformersAndRoundTrips() throws IOException {
        GptConfig config = new GptConfig(20, 4, 8, 2, 1, 0f, false, false, 1e-5f);
        Gpt gpt = Gpt.create(config, 1);
        GptCheckpoint.save(gpt, dir);
        Map<String, TensorData> tensors = SafeTensors.read(dir.resolve("model.safetensors"));
        assertArrayEquals(new float[24], tensors.get("h.0.attn.c_attn.bias").data());
        assertArrayEquals(new int[] {20, 8}, tensors.get("lm_head.weight").shape());
        assertEquals(config, GptCheckpoint.load(dir).config());
    }

    @Test
    void untiedHeadRoundTripsAsLmHead() throws IOException {
        GptConfig config = new GptConfig(30, 8, 16, 2, 1, 0.1f, false, false, 1e-5f);
        Gpt gpt = Gpt.create(config, 3, Initialization.PYTORCH);
        GptCheckpoint.save(gpt, dir);
        Gpt loaded = GptCheckpoint.load(dir);
        assertEquals(config, loaded.config());
        assertArrayEquals(gpt.weights().head.data(), loaded.weights().head.data());
        assertTrue(loaded.weights().head != loaded.weights().tokenEmbedding, "the loaded head is its own tensor");
        int[] tokens = {5, 1, 29, 7};
        assertArrayEquals(gpt.forward(tokens, 1, 4).clone(), loaded.forward(tokens, 1, 4));
    }

    @Test
    void acceptsTheTransformerPrefixAndIgnoresMaskBuffers() throws IOException {
        GptConfig config = GptConfig.of(10, 4, 8, 2, 1);
        Gpt gpt = Gpt.create(config, 2);
        Map<String, TensorData> prefixed = new java.util.LinkedHashMap<>();
        GptCheckpoint.toTensors(gpt).forEach((name, t) -> prefixed.put("transformer." + name, t));
        prefixed.put("transformer.h.0.attn.bias", new TensorData(new int[] {1, 1, 4, 4}, new float[16]));
        GptCheckpoint.save(gpt, dir);
        SafeTensors.write(dir.resolve("model.safetensors"), prefixed, Map.of());
        Gpt loaded = GptCheckpoint.load(dir);
        assertArrayEquals(gpt.weights().blocks.get(0).fcWeight.data(), loaded.weights().blocks.get(0).fcWeight.data());
    }

    @Test
    void missingTensorOrWrongShapeIsAClearError() throws IOException {
        Gpt gpt = Gpt.create(GptConfig.of(10, 4, 8, 2, 1), 2);
        GptCheckpoint.save(gpt, dir);
        Map<String, TensorData> tensors = new java.util.LinkedHashMap<>(SafeTensors.read(dir.resolve("model.safetensors")));
        tensors.remove("h.0.ln_2.bias");
        SafeTensors.write(dir.resolve("model.safetensors"), tensors, Map.of());
        IOException e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("h.0.ln_2.bias"), e.getMessage());

        Files.writeString(dir.resolve("config.json"), "{\"n_embd\": 8}");
        e = assertThrows(IOException.class, () -> GptCheckpoint.load(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertThrows(IOException.class, () -> GptCheckpoint.load(dir.resolve("nowhere")));
    }
}
