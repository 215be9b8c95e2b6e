package dev.rlhfloop.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Models on disk in the Hugging Face GPT-2 layout: a directory with {@code config.json}
 * (GPT2Config keys) and {@code model.safetensors} (names such as {@code h.0.attn.c_attn.weight},
 * Conv1D {@code [in, out]} weights, the head tied to {@code wte}). HF's {@code gpt2} loads here,
 * and what is saved here loads in {@code transformers.GPT2LMHeadModel}.
 */
public final class GptCheckpoint {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private GptCheckpoint() {}

    public static void save(Gpt gpt, Path directory) throws IOException {
        save(gpt, directory, Map.of());
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors}; {@code metadata} goes into the
     * safetensors header. A model with LoRA adapters is saved as its frozen base plus the adapter in
     * PEFT's layout beside it ({@link PeftAdapter}), which {@link #load} attaches again.
     */
    public static void save(Gpt gpt, Path directory, Map<String, String> metadata) throws IOException {
        Files.createDirectories(directory);
        if (gpt.lora() != null) {
            PeftAdapter.save(gpt, directory, "CAUSAL_LM", directory.toString());
        } else {
            PeftAdapter.delete(directory);
        }
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.putIfAbsent("format", "pt"); // transformers expects this key
        SafeTensors.write(directory.resolve(WEIGHTS_FILE), toTensors(gpt), meta);
        Files.writeString(directory.resolve(CONFIG_FILE), JSON.writeValueAsString(configJson(gpt.config())));
    }

    public static Gpt load(Path directory) throws IOException {
        Path configFile = directory.resolve(CONFIG_FILE);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile)) {
            throw new IOException(directory + " is not a model directory: it needs " + CONFIG_FILE + " and " + WEIGHTS_FILE);
        }
        Map<String, TensorData> tensors = SafeTensors.read(weightsFile);
        GptConfig config = readConfig(configFile, tensors);
        Gpt gpt = Gpt.empty(config);
        fromTensors(gpt, tensors, weightsFile.toString());
        if (PeftAdapter.exists(directory)) {
            PeftAdapter.load(gpt, directory);
        }
        return gpt;
    }

    /** The parameters under their Hugging Face names (sharing the model's arrays, not copies). */
    public static Map<String, TensorData> toTensors(Gpt gpt) {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Parameter p : gpt.parameters()) {
            tensors.put(p.name(), new TensorData(p.shape(), p.data()));
        }
        if (!gpt.config().qkvBias()) {
            // GPT-2 always has this bias; zeros keep the file loadable by transformers.
            int c = gpt.config().embedDim();
            for (int l = 0; l < gpt.config().layers(); l++) {
                tensors.put("h." + l + ".attn.c_attn.bias", new TensorData(new int[] {3 * c}, new float[3 * c]));
            }
        }
        return tensors;
    }

    /**
     * Copies tensors named as in Hugging Face GPT-2 (with or without the {@code transformer.}
     * prefix) into the model. The attention-mask buffers some files carry are ignored.
     */
    public static void fromTensors(Gpt gpt, Map<String, TensorData> tensors, String source) throws IOException {
        Map<String, TensorData> byName = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            String name = e.getKey().startsWith("transformer.") ? e.getKey().substring("transformer.".length()) : e.getKey();
            byName.put(name, e.getValue());
        }
        for (Parameter p : gpt.parameters()) {
            TensorData t = byName.get(p.name());
            if (t == null) {
                throw new IOException(source + ": missing tensor " + p.name());
            }
            if (!Arrays.equals(t.shape(), p.shape())) {
                throw new IOException(source + ": tensor " + p.name() + " has shape " + Arrays.toString(t.shape())
                        + ", the config needs " + Arrays.toString(p.shape()));
            }
            System.arraycopy(t.data(), 0, p.data(), 0, p.size());
        }
    }

    public static ObjectNode configJson(GptConfig config) {
        ObjectNode json = JSON.createObjectNode();
        json.putArray("architectures").add("GPT2LMHeadModel");
        json.put("model_type", "gpt2");
        json.put("vocab_size", config.vocabSize());
        json.put("n_positions", config.contextLength());
        json.put("n_ctx", config.contextLength());
        json.put("n_embd", config.embedDim());
        json.put("n_head", config.heads());
        json.put("n_layer", config.layers());
        json.put("layer_norm_epsilon", config.layerNormEpsilon());
        json.put("activation_function", "gelu_new");
        json.put("resid_pdrop", config.dropout());
        json.put("embd_pdrop", config.dropout());
        json.put("attn_pdrop", config.dropout());
        json.put("tie_word_embeddings", config.tiedHead());
        json.put("qkv_bias", config.qkvBias());
        return json;
    }

    /** Reads GPT2Config keys; without a {@code qkv_bias} key, the bias is on if the file has one. */
    static GptConfig readConfig(Path file, Map<String, TensorData> tensors) throws IOException {
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        String activation = json.path("activation_function").asText("gelu_new");
        if (!activation.equals("gelu_new") && !activation.equals("gelu_pytorch_tanh")) {
            throw new IOException(file + ": activation_function " + activation + " is not supported (GPT-2 uses gelu_new)");
        }
        boolean hasQkvBias = tensors.containsKey("h.0.attn.c_attn.bias") || tensors.containsKey("transformer.h.0.attn.c_attn.bias");
        try {
            return new GptConfig(
                    required(json, "vocab_size", file),
                    json.has("n_positions") ? json.get("n_positions").asInt() : required(json, "n_ctx", file),
                    required(json, "n_embd", file),
                    required(json, "n_head", file),
                    required(json, "n_layer", file),
                    (float) json.path("resid_pdrop").asDouble(0.0),
                    json.path("qkv_bias").asBoolean(hasQkvBias),
                    json.path("tie_word_embeddings").asBoolean(true),
                    (float) json.path("layer_norm_epsilon").asDouble(1e-5));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static int required(JsonNode json, String key, Path file) throws IOException {
        JsonNode value = json.get(key);
        if (value == null || !value.canConvertToInt()) {
            throw new IOException(file + ": missing integer key " + key);
        }
        return value.asInt();
    }
}
