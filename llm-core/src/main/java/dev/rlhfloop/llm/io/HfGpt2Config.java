package dev.rlhfloop.llm.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A checkpoint's {@code config.json} in the form of Hugging Face's {@code GPT2Config}, so that
 * {@code transformers} loads models written here ({@code GPT2LMHeadModel.from_pretrained(dir)})
 * and models from the hub load here.
 *
 * @param vocabSize         {@code vocab_size}
 * @param contextLength     {@code n_positions} (also written as the legacy {@code n_ctx})
 * @param embeddingDim      {@code n_embd}
 * @param layers            {@code n_layer}
 * @param heads             {@code n_head}
 * @param innerDim          {@code n_inner}: the MLP width; 0 means transformers' default 4·n_embd
 * @param layerNormEpsilon  {@code layer_norm_epsilon}
 * @param dropout           {@code embd_pdrop}, {@code attn_pdrop} and {@code resid_pdrop} (read from resid_pdrop)
 * @param activation        {@code activation_function}: GPT-2's tanh approximation is {@code gelu_new}
 * @param bosTokenId        {@code bos_token_id}
 * @param eosTokenId        {@code eos_token_id}
 * @param tiedHead          {@code tie_word_embeddings}: the output head shares {@code wte}
 */
public record HfGpt2Config(int vocabSize, int contextLength, int embeddingDim, int layers, int heads, int innerDim,
                           double layerNormEpsilon, double dropout, String activation, int bosTokenId,
                           int eosTokenId, boolean tiedHead) {

    public static final String FILE_NAME = "config.json";
    /** GPT-2's {@code <|endoftext|>}, its begin and end token. */
    public static final int GPT2_END_OF_TEXT = 50256;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public HfGpt2Config {
        if (vocabSize <= 0 || contextLength <= 0 || embeddingDim <= 0 || layers <= 0 || heads <= 0 || innerDim < 0) {
            throw new IllegalArgumentException("GPT-2 config sizes must be positive: " + this);
        }
        if (embeddingDim % heads != 0) {
            throw new IllegalArgumentException("n_embd " + embeddingDim + " is not divisible by n_head " + heads);
        }
        if (!(layerNormEpsilon > 0) || !(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("layer_norm_epsilon must be > 0 and dropout in [0, 1): " + this);
        }
    }

    /** A config with GPT-2's defaults for everything but the sizes. */
    public static HfGpt2Config of(int vocabSize, int contextLength, int embeddingDim, int layers, int heads) {
        return new HfGpt2Config(vocabSize, contextLength, embeddingDim, layers, heads, 0, 1e-5, 0.1, "gelu_new",
                GPT2_END_OF_TEXT, GPT2_END_OF_TEXT, true);
    }

    /** The MLP width actually used: {@code n_inner}, or 4·n_embd when unset. */
    public int mlpDim() {
        return innerDim > 0 ? innerDim : 4 * embeddingDim;
    }

    /** Reads {@code config.json} from a checkpoint directory or the file itself. */
    public static HfGpt2Config read(Path pathOrDirectory) throws IOException {
        Path file = Files.isDirectory(pathOrDirectory) ? pathOrDirectory.resolve(FILE_NAME) : pathOrDirectory;
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IOException("no GPT-2 config at " + file, e);
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid JSON (line " + e.getLocation().getLineNr() + "): "
                    + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + " is not a JSON object");
        }
        String modelType = root.path("model_type").asText("gpt2");
        if (!modelType.equals("gpt2")) {
            throw new IOException(file + " describes model_type '" + modelType + "', not gpt2");
        }
        try {
            return new HfGpt2Config(
                    required(root, "vocab_size", file),
                    root.has("n_positions") ? required(root, "n_positions", file) : required(root, "n_ctx", file),
                    required(root, "n_embd", file),
                    required(root, "n_layer", file),
                    required(root, "n_head", file),
                    root.path("n_inner").isNumber() ? root.get("n_inner").asInt() : 0,
                    root.path("layer_norm_epsilon").asDouble(1e-5),
                    root.path("resid_pdrop").asDouble(0.1),
                    root.path("activation_function").asText("gelu_new"),
                    root.path("bos_token_id").asInt(GPT2_END_OF_TEXT),
                    root.path("eos_token_id").asInt(GPT2_END_OF_TEXT),
                    root.path("tie_word_embeddings").asBoolean(true));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static int required(JsonNode root, String key, Path file) throws IOException {
        JsonNode value = root.get(key);
        if (value == null || !value.canConvertToInt()) {
            throw new IOException(file + " lacks the integer key \"" + key + "\"");
        }
        return value.asInt();
    }

    /** The JSON that transformers' GPT2Config writes for these settings. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("activation_function", activation);
        root.putArray("architectures").add("GPT2LMHeadModel");
        root.put("attn_pdrop", dropout);
        root.put("bos_token_id", bosTokenId);
        root.put("embd_pdrop", dropout);
        root.put("eos_token_id", eosTokenId);
        root.put("initializer_range", 0.02);
        root.put("layer_norm_epsilon", layerNormEpsilon);
        root.put("model_type", "gpt2");
        root.put("n_ctx", contextLength);
        root.put("n_embd", embeddingDim);
        root.put("n_head", heads);
        if (innerDim > 0) {
            root.put("n_inner", innerDim);
        } else {
            root.putNull("n_inner");
        }
        root.put("n_layer", layers);
        root.put("n_positions", contextLength);
        root.put("reorder_and_upcast_attn", false);
        root.put("resid_pdrop", dropout);
        root.put("scale_attn_by_inverse_layer_idx", false);
        root.put("scale_attn_weights", true);
        root.put("summary_activation", (String) null);
        root.put("summary_first_dropout", 0.1);
        root.put("summary_proj_to_labels", true);
        root.put("summary_type", "cls_index");
        root.put("summary_use_proj", true);
        root.put("tie_word_embeddings", tiedHead);
        root.put("torch_dtype", "float32");
        root.put("use_cache", true);
        root.put("vocab_size", vocabSize);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code config.json} into a checkpoint directory (created if needed). */
    public void write(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(FILE_NAME), toJson());
    }
}
