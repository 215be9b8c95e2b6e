package dev.rlhfloop.llm.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA adapters in Hugging Face PEFT's layout, so PEFT's {@code PeftModel.from_pretrained} loads
 * them over GPT-2: {@value #CONFIG_FILE} and {@value #WEIGHTS_FILE} with keys such as
 * {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}. GPT-2's projections are
 * {@code Conv1D} layers whose weight is {@code [in, out]}, which PEFT marks with
 * {@code fan_in_fan_out: true}; its {@code lora_A} is still {@code [r, in]} and {@code lora_B}
 * {@code [out, r]}, as for a Linear.
 */
public final class PeftAdapter {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** Where PEFT's wrapper puts the wrapped model's modules, e.g. a classifier's {@code score} head. */
    public static final String MODEL_PREFIX = "base_model.model.";
    /** Where PEFT's wrapper puts a GPT-2 model's transformer. */
    public static final String KEY_PREFIX = MODEL_PREFIX + "transformer.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PeftAdapter() {}

    /** Whether {@code directory} holds an adapter. */
    public static boolean exists(Path directory) {
        return Files.isRegularFile(directory.resolve(CONFIG_FILE));
    }

    /**
     * Writes the adapters of {@code gpt}; {@code taskType} is PEFT's ({@code CAUSAL_LM},
     * {@code SEQ_CLS}), {@code baseModel} what PEFT records as {@code base_model_name_or_path}.
     */
    public static void save(Gpt gpt, Path directory, String taskType, String baseModel) throws IOException {
        save(gpt, directory, taskType, baseModel, List.of());
    }

    /**
     * The same, plus whole modules trained beside the adapters (PEFT's {@code modules_to_save}, e.g.
     * a classifier's {@code score} head), stored as PEFT stores them: {@code base_model.model.NAME}.
     */
    public static void save(Gpt gpt, Path directory, String taskType, String baseModel, List<Parameter> modulesToSave) throws IOException {
        LoraAdapters lora = gpt.lora();
        if (lora == null) {
            throw new IllegalArgumentException("the model has no LoRA adapters to save");
        }
        Files.createDirectories(directory);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Parameter p : lora.parameters()) {
            tensors.put(KEY_PREFIX + p.name(), new TensorData(p.shape(), p.data()));
        }
        List<String> savedModules = new ArrayList<>();
        for (Parameter p : modulesToSave) {
            tensors.put(MODEL_PREFIX + p.name(), new TensorData(p.shape(), p.data()));
            savedModules.add(p.name().substring(0, p.name().lastIndexOf('.')));
        }
        SafeTensors.write(directory.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        LoraSettings settings = lora.settings();
        ObjectNode config = JSON.createObjectNode();
        config.put("peft_type", "LORA");
        config.put("task_type", taskType);
        config.put("base_model_name_or_path", baseModel);
        config.put("r", settings.rank());
        config.put("lora_alpha", settings.alpha());
        config.put("lora_dropout", 0.0);
        ArrayNode modules = config.putArray("target_modules");
        settings.modules().forEach(modules::add);
        if (settings.layers().isEmpty()) {
            config.putNull("layers_to_transform");
        } else {
            ArrayNode layers = config.putArray("layers_to_transform");
            settings.layers().forEach(layers::add);
        }
        config.put("fan_in_fan_out", true);
        config.put("bias", "none");
        config.put("inference_mode", true);
        config.put("init_lora_weights", true);
        if (savedModules.isEmpty()) {
            config.putNull("modules_to_save");
        } else {
            ArrayNode saved = config.putArray("modules_to_save");
            savedModules.stream().distinct().forEach(saved::add);
        }
        Files.writeString(directory.resolve(CONFIG_FILE), JSON.writeValueAsString(config));
    }

    /**
     * Attaches the adapter in {@code directory} to {@code gpt} (which must have none), checking every
     * key and shape; tensors of {@code modules_to_save} are left to their owner (e.g. {@code Classifier}).
     */
    public static void load(Gpt gpt, Path directory) throws IOException {
        Path configFile = directory.resolve(CONFIG_FILE);
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        JsonNode config = JSON.readTree(configFile.toFile());
        if (!"LORA".equals(config.path("peft_type").asText())) {
            throw new IOException(configFile + ": peft_type must be LORA, got " + config.path("peft_type"));
        }
        if (!config.path("fan_in_fan_out").asBoolean(false)) {
            throw new IOException(configFile + ": fan_in_fan_out must be true for GPT-2's Conv1D projections");
        }
        List<String> modules = new ArrayList<>();
        JsonNode targets = config.path("target_modules");
        if (targets.isTextual()) {
            throw new IOException(configFile + ": target_modules as a regular expression is not supported; give a list of "
                    + LoraSettings.ALL_MODULES);
        }
        targets.forEach(node -> modules.add(node.asText()));
        List<Integer> layers = new ArrayList<>();
        JsonNode layerNode = config.path("layers_to_transform");
        if (layerNode.isInt()) {
            layers.add(layerNode.asInt());
        } else {
            layerNode.forEach(node -> layers.add(node.asInt()));
        }
        LoraSettings settings;
        try {
            settings = new LoraSettings(config.path("r").asInt(), (float) config.path("lora_alpha").asDouble(), modules, layers);
        } catch (IllegalArgumentException e) {
            throw new IOException(configFile + ": " + e.getMessage(), e);
        }
        Map<String, TensorData> tensors = SafeTensors.read(weightsFile);
        LoraAdapters lora = gpt.attachLora(settings, 0);
        for (Parameter p : lora.parameters()) {
            TensorData tensor = tensors.remove(KEY_PREFIX + p.name());
            if (tensor == null) {
                throw new IOException(weightsFile + ": missing " + KEY_PREFIX + p.name());
            }
            if (!Arrays.equals(tensor.shape(), p.shape())) {
                throw new IOException(weightsFile + ": " + KEY_PREFIX + p.name() + " has shape " + Arrays.toString(tensor.shape())
                        + ", expected " + Arrays.toString(p.shape()));
            }
            System.arraycopy(tensor.data(), 0, p.data(), 0, p.size());
        }
        List<String> savedModules = new ArrayList<>();
        config.path("modules_to_save").forEach(node -> savedModules.add(MODEL_PREFIX + node.asText() + "."));
        tensors.keySet().removeIf(key -> savedModules.stream().anyMatch(key::startsWith));
        if (!tensors.isEmpty()) {
            throw new IOException(weightsFile + ": tensors the adapter config does not describe: " + tensors.keySet());
        }
    }

    /** Removes an adapter's files, e.g. when a merged model replaces it. */
    public static void delete(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(CONFIG_FILE));
        Files.deleteIfExists(directory.resolve(WEIGHTS_FILE));
    }
}
