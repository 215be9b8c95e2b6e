package dev.rlhfloop.llm.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfGpt2ConfigTest {

    /** The config.json of the Hugging Face hub's {@code gpt2} model. */
    private static final String HUB_GPT2 = """
            {
              "activation_function": "gelu_new",
              "architectures": ["GPT2LMHeadModel"],
              "attn_pdrop": 0.1,
              "bos_token_id": 50256,
              "embd_pdrop": 0.1,
              "eos_token_id": 50256,
              "initializer_range": 0.02,
              "layer_norm_epsilon": 1e-05,
              "model_type": "gpt2",
              "n_ctx": 1024,
              "n_embd": 768,
              "n_head": 12,
              "n_layer": 12,
              "n_positions": 1024,
              "resid_pdrop": 0.1,
              "summary_activation": null,
              "summary_first_dropout": 0.1,
              "summary_proj_to_labels": true,
              "summary_type": "cls_index",
              "summary_use_proj": true,
              "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
              "vocab_size": 50257
            }
            """;

    @TempDir
    Path dir;

    @Test
    void readsTheHubGpt2Config() throws IOException {
        Files.writeString(dir.resolve("config.json"), HUB_GPT2);
        HfGpt2Config config = HfGpt2Config.read(dir);
        assertEquals(HfGpt2Config.of(50257, 1024, 768, 12, 12), config);
        assertEquals(3072, config.mlpDim());
    }

    @Test
    void writesWhatTransformersExpectsAndReadsItBack() throws IOException {
        HfGpt2Config config = new HfGpt2Config(4096, 256, 256, 4, 4, 0, 1e-5, 0.0, "gelu_new", 4095, 4095, true);
        Path checkpoint = dir.resolve("nano");
        config.write(checkpoint);
        assertEquals(config, HfGpt2Config.read(checkpoint.resolve("config.json")));
        JsonNode json = new ObjectMapper().readTree(checkpoint.resolve("config.json").toFile());
        assertEquals("gpt2", json.get("model_type").asText());
        assertEquals("GPT2LMHeadModel", json.get("architectures").get(0).asText());
        assertEquals(256, json.get("n_ctx").asInt());
        assertEquals(256, json.get("n_positions").asInt());
        assertTrue(json.get("n_inner").isNull());
        assertEquals(1e-5, json.get("layer_norm_epsilon").asDouble());
        assertEquals(true, json.get("tie_word_embeddings").asBoolean());
    }

    @Test
    void badConfigsNameTheFileAndTheProblem() throws IOException {
        assertProblem("{\"model_type\": \"llama\"}", "model_type 'llama'");
        assertProblem("{\"n_embd\": 768, \"n_head\": 12, \"n_layer\": 12, \"n_positions\": 1024}", "\"vocab_size\"");
        assertProblem("{\"vocab_size\": 10, \"n_embd\": 10, \"n_head\": 3, \"n_layer\": 1, \"n_positions\": 8}",
                "not divisible");
        assertProblem("{\n\"vocab_size\": ,\n}", "line 2");
        IOException missing = assertThrows(IOException.class, () -> HfGpt2Config.read(dir.resolve("none")));
        assertTrue(missing.getMessage().contains("no GPT-2 config"), missing.getMessage());
    }

    private void assertProblem(String json, String problem) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        IOException error = assertThrows(IOException.class, () -> HfGpt2Config.read(file));
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains(problem), error.getMessage());
    }
}
