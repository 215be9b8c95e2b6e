package dev.rlhfloop.llm.tokenizer;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer.Merge;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes byte-level BPE vocabularies: tiktoken rank files ({@code r50k_base.tiktoken} is
 * GPT-2's), OpenAI's {@code encoder.json} + {@code vocab.bpe} (named {@code vocab.json} +
 * {@code merges.txt} in a Hugging Face model directory), and Hugging Face {@code tokenizer.json}.
 * Errors name the file and, for line-based formats, the line.
 */
public final class TokenizerFiles {

    /**
     * Where GPT-2's ranks are found on the class path: jtokkit's jar ships them. The CLI and the
     * services put jtokkit on their runtime class path for this file only; nothing calls jtokkit.
     */
    public static final String GPT2_RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";
    public static final int GPT2_END_OF_TEXT = 50256;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {}

    /** GPT-2's tokenizer, loaded once from {@link #GPT2_RESOURCE} on the class path. */
    public static BpeTokenizer gpt2() throws IOException {
        return Gpt2Holder.get();
    }

    private static final class Gpt2Holder {
        private static BpeTokenizer instance;

        static synchronized BpeTokenizer get() throws IOException {
            if (instance == null) {
                try (InputStream in = TokenizerFiles.class.getResourceAsStream(GPT2_RESOURCE)) {
                    if (in == null) {
                        throw new TokenizerFormatException("GPT-2's vocabulary " + GPT2_RESOURCE.substring(1)
                                + " is not on the class path: add com.knuddels:jtokkit:1.1.0 (runtime) or pass a path to r50k_base.tiktoken");
                    }
                    instance = readTiktoken(in, "r50k_base.tiktoken", Map.of(BpeTokenizer.END_OF_TEXT, GPT2_END_OF_TEXT));
                }
            }
            return instance;
        }
    }

    /** A Hugging Face model directory's GPT-2 vocabulary: token spellings to ids. */
    public static final String HF_VOCAB_FILE = "vocab.json";
    /** A Hugging Face model directory's GPT-2 merges, in rank order. */
    public static final String HF_MERGES_FILE = "merges.txt";

    /**
     * A tokenizer by name or path: {@code gpt2}; a Hugging Face {@code tokenizer.json}; a
     * {@code .tiktoken} rank file; a {@code vocab.bpe} with {@code encoder.json} beside it; or a
     * directory holding {@code tokenizer.json}, {@code vocab.json} + {@code merges.txt} (a Hugging
     * Face GPT-2 model directory), or {@code encoder.json} + {@code vocab.bpe}, tried in that order.
     */
    public static BpeTokenizer load(String spec) throws IOException {
        if (spec.equals("gpt2") || spec.equals("r50k_base")) {
            return gpt2();
        }
        Path path = Path.of(spec);
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve("tokenizer.json"))) {
                return readHuggingFace(path.resolve("tokenizer.json"));
            }
            if (Files.isRegularFile(path.resolve(HF_VOCAB_FILE)) && Files.isRegularFile(path.resolve(HF_MERGES_FILE))) {
                return readOpenAi(path.resolve(HF_VOCAB_FILE), path.resolve(HF_MERGES_FILE));
            }
            if (Files.isRegularFile(path.resolve("encoder.json")) && Files.isRegularFile(path.resolve("vocab.bpe"))) {
                return readOpenAi(path.resolve("encoder.json"), path.resolve("vocab.bpe"));
            }
            throw new TokenizerFormatException(spec + ": directory holds no tokenizer: neither tokenizer.json, vocab.json + merges.txt, "
                    + "nor encoder.json + vocab.bpe");
        }
        if (!Files.isRegularFile(path)) {
            throw new TokenizerFormatException(spec + ": no such file (expected gpt2, a tokenizer.json, a .tiktoken file, or vocab.bpe + encoder.json)");
        }
        String name = path.getFileName().toString();
        if (name.endsWith(".tiktoken")) {
            return readTiktoken(path);
        }
        if (name.endsWith(".bpe")) {
            Path encoder = path.resolveSibling("encoder.json");
            if (!Files.isRegularFile(encoder)) {
                throw new TokenizerFormatException(spec + ": a vocab.bpe needs encoder.json beside it, and " + encoder + " is missing");
            }
            return readOpenAi(encoder, path);
        }
        return readHuggingFace(path);
    }

    /** A tiktoken rank file; {@code <|endoftext|>} gets the id after the last rank. */
    public static BpeTokenizer readTiktoken(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readTiktoken(in, file.toString(), null);
        }
    }

    /**
     * Lines of {@code <base64 token bytes> <rank>}. A token's rank is its id and its merge priority;
     * the merge that makes each token is the split BPE reaches with the lower ranks alone, as
     * tiktoken's own encoder would. {@code specials} null means {@code <|endoftext|>} after the last rank.
     */
    public static BpeTokenizer readTiktoken(InputStream in, String source, Map<String, Integer> specials) throws IOException {
        List<byte[]> tokens = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        Base64.Decoder base64 = Base64.getDecoder();
        String line;
        int lineNumber = 0;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            int space = line.indexOf(' ');
            byte[] bytes;
            int rank;
            try {
                bytes = base64.decode(line.substring(0, space < 0 ? 0 : space));
                rank = Integer.parseInt(line.substring(space + 1).trim());
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw new TokenizerFormatException(source + ":" + lineNumber + ": expected '<base64 bytes> <rank>', got '" + abbreviate(line) + "'");
            }
            if (space < 0 || bytes.length == 0 || rank < 0 || rank > 10_000_000) {
                throw new TokenizerFormatException(source + ":" + lineNumber + ": expected '<base64 bytes> <rank>', got '" + abbreviate(line) + "'");
            }
            while (tokens.size() <= rank) {
                tokens.add(null);
            }
            if (tokens.get(rank) != null) {
                throw new TokenizerFormatException(source + ":" + lineNumber + ": rank " + rank + " appears twice");
            }
            tokens.set(rank, bytes);
        }
        if (tokens.isEmpty()) {
            throw new TokenizerFormatException(source + ": empty rank file");
        }
        byte[][] byId = tokens.toArray(new byte[0][]);
        if (specials == null) {
            specials = Map.of(BpeTokenizer.END_OF_TEXT, byId.length);
        }
        try {
            return new BpeTokenizer(byId, mergesFromRanks(byId), specials);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(source + ": " + e.getMessage(), e);
        }
    }

    /**
     * For each multi-byte token in rank order, the pair tiktoken's encoder ends with when it encodes
     * the token's bytes using lower ranks only (merging the adjacent pair whose concatenation has the
     * lowest rank). Tokens that cannot be reached that way get no merge.
     */
    private static List<Merge> mergesFromRanks(byte[][] tokens) {
        boolean[] all = new boolean[tokens.length];
        java.util.Arrays.fill(all, true);
        TokenTable table = new TokenTable(tokens, all);
        List<Merge> merges = new ArrayList<>();
        int[] starts = new int[64];
        for (int id = 0; id < tokens.length; id++) {
            byte[] token = tokens[id];
            if (token == null || token.length < 2) {
                continue;
            }
            if (starts.length < token.length + 1) {
                starts = new int[token.length + 1];
            }
            int parts = token.length;
            for (int i = 0; i <= parts; i++) {
                starts[i] = i;
            }
            while (parts > 2) {
                int best = -1;
                int bestRank = id;
                for (int i = 0; i + 1 < parts; i++) {
                    int from = starts[i];
                    int length = starts[i + 2] - from;
                    int rank = table.get(token, from, length, TokenTable.hash(token, from, from + length));
                    if (rank >= 0 && rank < bestRank) {
                        bestRank = rank;
                        best = i;
                    }
                }
                if (best < 0) {
                    break;
                }
                System.arraycopy(starts, best + 2, starts, best + 1, parts - best - 1);
                parts--;
            }
            if (parts == 2) {
                int left = table.get(token, 0, starts[1], TokenTable.hash(token, 0, starts[1]));
                int right = table.get(token, starts[1], token.length - starts[1], TokenTable.hash(token, starts[1], token.length));
                merges.add(new Merge(left, right, id));
            }
        }
        return merges;
    }

    /**
     * OpenAI's GPT-2 release files: token spellings to ids, and the merges in rank order (the same
     * formats as a Hugging Face directory's {@code vocab.json} and {@code merges.txt}).
     */
    public static BpeTokenizer readOpenAi(Path encoderJson, Path vocabBpe) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        JsonNode root = readJson(encoderJson);
        if (!root.isObject()) {
            throw new TokenizerFormatException(encoderJson + ": expected a JSON object of token -> id");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt()) {
                throw new TokenizerFormatException(encoderJson + ": id of " + e.getKey() + " is not an integer");
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        List<String[]> mergeLines = new ArrayList<>();
        List<Integer> mergeLineNumbers = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(vocabBpe, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (line.isEmpty() || (lineNumber == 1 && line.startsWith("#version"))) {
                    continue;
                }
                String[] pair = line.split(" ");
                if (pair.length != 2) {
                    throw new TokenizerFormatException(vocabBpe + ":" + lineNumber + ": expected two tokens separated by one space, got '" + abbreviate(line) + "'");
                }
                mergeLines.add(pair);
                mergeLineNumbers.add(lineNumber);
            }
        }
        return fromSpelledVocab(vocab, mergeLines, Map.of(), encoderJson.toString(), vocabBpe.toString(), mergeLineNumbers);
    }

    /** A Hugging Face {@code tokenizer.json} with a byte-level BPE model. */
    public static BpeTokenizer readHuggingFace(Path file) throws IOException {
        JsonNode root = readJson(file);
        JsonNode model = root.path("model");
        if (!model.isObject() || !"BPE".equals(model.path("type").asText("BPE")) || !model.path("vocab").isObject()) {
            throw new TokenizerFormatException(file + ": expected a tokenizer.json with a BPE model (model.type \"BPE\", model.vocab, model.merges)");
        }
        if (!mentionsByteLevel(root.path("pre_tokenizer"))) {
            throw new TokenizerFormatException(file + ": pre_tokenizer is " + root.path("pre_tokenizer").path("type").asText("missing")
                    + ", but only byte-level BPE (pre_tokenizer ByteLevel, as GPT-2) is supported");
        }
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (JsonNode added : root.path("added_tokens")) {
            specials.put(added.path("content").asText(), added.path("id").asInt());
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!specials.containsKey(e.getKey())) {
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        }
        List<String[]> merges = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            String[] pair = merge.isArray()
                    ? new String[] {merge.path(0).asText(), merge.path(1).asText()}
                    : merge.asText().split(" ");
            if (pair.length != 2 || (merge.isArray() && merge.size() != 2)) {
                throw new TokenizerFormatException(file + ": model.merges[" + merges.size() + "] is not a pair of tokens: " + merge);
            }
            merges.add(pair);
        }
        return fromSpelledVocab(vocab, merges, specials, file.toString(), file + " model.merges", null);
    }

    private static boolean mentionsByteLevel(JsonNode preTokenizer) {
        if ("ByteLevel".equals(preTokenizer.path("type").asText())) {
            return true;
        }
        for (JsonNode inner : preTokenizer.path("pretokenizers")) {
            if (mentionsByteLevel(inner)) {
                return true;
            }
        }
        return false;
    }

    private static BpeTokenizer fromSpelledVocab(Map<String, Integer> vocab, List<String[]> mergePairs,
            Map<String, Integer> specials, String vocabSource, String mergeSource, List<Integer> mergeLineNumbers)
            throws TokenizerFormatException {
        Map<String, Integer> allSpecials = new LinkedHashMap<>(specials);
        int maxId = -1;
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0) {
                throw new TokenizerFormatException(vocabSource + ": token " + e.getKey() + " has negative id " + e.getValue());
            }
            maxId = Math.max(maxId, e.getValue());
        }
        byte[][] tokens = new byte[maxId + 1][];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            byte[] bytes = ByteLevel.decode(e.getKey());
            if (e.getKey().equals(BpeTokenizer.END_OF_TEXT) || bytes == null) {
                if (bytes == null && !e.getKey().startsWith("<|")) {
                    throw new TokenizerFormatException(vocabSource + ": token '" + e.getKey() + "' is not spelled in GPT-2's byte-level alphabet");
                }
                allSpecials.put(e.getKey(), e.getValue());
            } else {
                if (tokens[e.getValue()] != null) {
                    throw new TokenizerFormatException(vocabSource + ": id " + e.getValue() + " is used twice");
                }
                tokens[e.getValue()] = bytes;
            }
        }
        List<Merge> merges = new ArrayList<>(mergePairs.size());
        for (int i = 0; i < mergePairs.size(); i++) {
            String[] pair = mergePairs.get(i);
            Integer left = vocab.get(pair[0]);
            Integer right = vocab.get(pair[1]);
            Integer result = vocab.get(pair[0] + pair[1]);
            if (left == null || right == null || result == null) {
                String where = mergeLineNumbers != null ? mergeSource + ":" + mergeLineNumbers.get(i) : mergeSource + "[" + i + "]";
                throw new TokenizerFormatException(where + ": merge '" + pair[0] + " " + pair[1] + "' uses a token missing from " + vocabSource);
            }
            merges.add(new Merge(left, right, result));
        }
        try {
            return new BpeTokenizer(tokens, merges, allSpecials);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(vocabSource + ": " + e.getMessage(), e);
        }
    }

    /** Writes a Hugging Face {@code tokenizer.json} (byte-level BPE, GPT-2 style) that the tokenizers library opens. */
    public static void writeHuggingFace(BpeTokenizer tokenizer, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             JsonGenerator json = JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("version", "1.0");
            json.writeNullField("truncation");
            json.writeNullField("padding");
            json.writeArrayFieldStart("added_tokens");
            for (Map.Entry<String, Integer> e : tokenizer.specialTokens().entrySet()) {
                json.writeStartObject();
                json.writeNumberField("id", e.getValue());
                json.writeStringField("content", e.getKey());
                json.writeBooleanField("single_word", false);
                json.writeBooleanField("lstrip", false);
                json.writeBooleanField("rstrip", false);
                json.writeBooleanField("normalized", false);
                json.writeBooleanField("special", true);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeNullField("normalizer");
            writeByteLevel(json, "pre_tokenizer", false, true);
            writeByteLevel(json, "post_processor", true, false);
            writeByteLevel(json, "decoder", true, true);
            json.writeObjectFieldStart("model");
            json.writeStringField("type", "BPE");
            json.writeNullField("dropout");
            json.writeNullField("unk_token");
            json.writeStringField("continuing_subword_prefix", "");
            json.writeStringField("end_of_word_suffix", "");
            json.writeBooleanField("fuse_unk", false);
            json.writeBooleanField("byte_fallback", false);
            json.writeBooleanField("ignore_merges", false);
            json.writeObjectFieldStart("vocab");
            for (int id : tokenizer.ordinaryIds()) {
                json.writeNumberField(ByteLevel.encode(tokenizer.tokenBytes(id)), id);
            }
            for (Map.Entry<String, Integer> e : tokenizer.specialTokens().entrySet()) {
                json.writeNumberField(e.getKey(), e.getValue());
            }
            json.writeEndObject();
            json.writeArrayFieldStart("merges");
            for (Merge m : tokenizer.merges()) {
                json.writeString(ByteLevel.encode(tokenizer.tokenBytes(m.left())) + " " + ByteLevel.encode(tokenizer.tokenBytes(m.right())));
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeEndObject();
        }
    }

    /**
     * Writes {@code vocab.json} and {@code merges.txt} (with the {@code #version: 0.2} line) into
     * {@code directory}: the GPT-2 tokenizer files of a Hugging Face model directory.
     */
    public static void writeVocabAndMerges(BpeTokenizer tokenizer, Path directory) throws IOException {
        Files.createDirectories(directory);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id : tokenizer.ordinaryIds()) {
            vocab.put(ByteLevel.encode(tokenizer.tokenBytes(id)), id);
        }
        vocab.putAll(tokenizer.specialTokens());
        Files.write(directory.resolve(HF_VOCAB_FILE), JSON.writeValueAsBytes(vocab));
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (Merge m : tokenizer.merges()) {
            merges.append(ByteLevel.encode(tokenizer.tokenBytes(m.left()))).append(' ')
                    .append(ByteLevel.encode(tokenizer.tokenBytes(m.right()))).append('\n');
        }
        Files.writeString(directory.resolve(HF_MERGES_FILE), merges, StandardCharsets.UTF_8);
    }

    private static void writeByteLevel(JsonGenerator json, String field, boolean addPrefixSpace, boolean trimOffsets) throws IOException {
        json.writeObjectFieldStart(field);
        json.writeStringField("type", "ByteLevel");
        json.writeBooleanField("add_prefix_space", addPrefixSpace);
        json.writeBooleanField("trim_offsets", trimOffsets);
        json.writeBooleanField("use_regex", true);
        json.writeEndObject();
    }

    private static JsonNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new TokenizerFormatException(file + ": no such file");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(file + ":" + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? line : line.substring(0, 57) + "...";
    }

}
