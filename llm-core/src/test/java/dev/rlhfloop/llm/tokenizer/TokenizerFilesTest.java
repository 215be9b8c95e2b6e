package dev.rlhfloop.llm.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFilesTest {

    private static BpeTokenizer gpt2;
    private static String sample;

    @BeforeAll
    static void load() throws IOException {
        gpt2 = TokenizerFiles.gpt2();
        Random random = new Random(11);
        StringBuilder text = new StringBuilder(TokenizerTexts.english(20_000, 11));
        for (int i = 0; i < 200; i++) {
            text.append(TokenizerTexts.hostile(random, 20));
        }
        sample = text.toString();
    }

    @Test
    void byteLevelMapIsGpt2s() {
        assertEquals("Ġ", ByteLevel.encode(new byte[] {' '}));
        assertEquals("Ċ", ByteLevel.encode(new byte[] {'\n'}));
        assertEquals("!", ByteLevel.encode(new byte[] {'!'}));
        for (int b = 0; b < 256; b++) {
            byte[] one = {(byte) b};
            assertArrayEquals(one, ByteLevel.decode(ByteLevel.encode(one)));
        }
        assertEquals(null, ByteLevel.decode(" "));
    }

    @Test
    void huggingFaceRoundTripKeepsGpt2(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerFiles.writeHuggingFace(gpt2, file);
        BpeTokenizer reopened = TokenizerFiles.load(file.toString());
        assertEquals(gpt2.merges(), reopened.merges());
        assertEquals(50256, reopened.endOfTextId());
        assertArrayEquals(gpt2.encode(sample), reopened.encode(sample));
        var json = new ObjectMapper().readTree(file.toFile());
        assertEquals("BPE", json.path("model").path("type").asText());
        assertEquals("ByteLevel", json.path("pre_tokenizer").path("type").asText());
        assertEquals("Ġt", json.path("model").path("merges").path(0).asText().replace(" ", ""));
        assertEquals(15496, json.path("model").path("vocab").path("Hello").asInt());
    }

    @Test
    void readsMergesWrittenAsPairs(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerFiles.writeHuggingFace(gpt2, file);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode json = (ObjectNode) mapper.readTree(file.toFile());
        var merges = mapper.createArrayNode();
        for (var merge : json.path("model").path("merges")) {
            String[] pair = merge.asText().split(" ");
            merges.addArray().add(pair[0]).add(pair[1]);
        }
        ((ObjectNode) json.path("model")).set("merges", merges);
        mapper.writeValue(file.toFile(), json);
        assertArrayEquals(gpt2.encode(sample), TokenizerFiles.readHuggingFace(file).encode(sample));
    }

    /** OpenAI's encoder.json + vocab.bpe, written here from the tiktoken ranks as OpenAI published them. */
    @Test
    void readsOpenAiFiles(@TempDir Path dir) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode encoder = mapper.createObjectNode();
        for (int id = 0; id < 50256; id++) {
            encoder.put(ByteLevel.encode(gpt2.tokenBytes(id)), id);
        }
        encoder.put("<|endoftext|>", 50256);
        mapper.writeValue(dir.resolve("encoder.json").toFile(), encoder);
        List<String> lines = new ArrayList<>();
        lines.add("#version: 0.2");
        for (BpeTokenizer.Merge m : gpt2.merges()) {
            lines.add(ByteLevel.encode(gpt2.tokenBytes(m.left())) + " " + ByteLevel.encode(gpt2.tokenBytes(m.right())));
        }
        Files.write(dir.resolve("vocab.bpe"), lines, StandardCharsets.UTF_8);
        BpeTokenizer fromDir = TokenizerFiles.load(dir.toString());
        assertEquals(50256, fromDir.endOfTextId());
        assertArrayEquals(gpt2.encode(sample), fromDir.encode(sample));
        assertArrayEquals(gpt2.encode(sample), TokenizerFiles.load(dir.resolve("vocab.bpe").toString()).encode(sample));
    }

    /** A Hugging Face GPT-2 directory's vocab.json + merges.txt: the same files under the names the hub uses. */
    @Test
    void readsAHuggingFaceModelDirectorysVocabAndMerges(@TempDir Path dir) throws IOException {
        TokenizerFiles.writeVocabAndMerges(gpt2, dir);
        assertTrue(Files.readString(dir.resolve("merges.txt")).startsWith("#version: 0.2\nĠ t\n"));
        BpeTokenizer fromDir = TokenizerFiles.load(dir.toString());
        assertEquals(50256, fromDir.endOfTextId());
        assertEquals(gpt2.merges(), fromDir.merges());
        assertArrayEquals(gpt2.encode(sample), fromDir.encode(sample));
        // A tokenizer.json beside them wins: it is what the model directory serves with.
        BpeTokenizer small = BpeTrainer.train(sample.substring(0, 5_000), 300);
        TokenizerFiles.writeHuggingFace(small, dir.resolve("tokenizer.json"));
        assertEquals(small.merges(), TokenizerFiles.load(dir.toString()).merges());
    }

    @Test
    void readsTiktokenFileFromDisk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("r50k_base.tiktoken");
        try (InputStream in = TokenizerFiles.class.getResourceAsStream(TokenizerFiles.GPT2_RESOURCE)) {
            Files.copy(in, file);
        }
        BpeTokenizer fromFile = TokenizerFiles.load(file.toString());
        assertEquals(50256, fromFile.endOfTextId());
        assertArrayEquals(gpt2.encode(sample), fromFile.encode(sample));
    }

    @Test
    void badFilesAreNamedWithTheirLine(@TempDir Path dir) throws IOException {
        Path tiktoken = dir.resolve("bad.tiktoken");
        Files.writeString(tiktoken, "IQ== 0\nIg== 1\nnot-base64!! 2\n");
        assertEquals(tiktoken + ":3: expected '<base64 bytes> <rank>', got 'not-base64!! 2'",
                assertThrows(TokenizerFormatException.class, () -> TokenizerFiles.load(tiktoken.toString())).getMessage());

        Files.writeString(tiktoken, "IQ== 0\n");
        String missingBytes = assertThrows(TokenizerFormatException.class, () -> TokenizerFiles.load(tiktoken.toString())).getMessage();
        assertEquals(tiktoken + ": no token for the single byte 0x0: a byte-level vocabulary needs all 256", missingBytes);

        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\n  \"model\": {\n    \"vocab\": {,\n");
        String notJson = assertThrows(TokenizerFormatException.class, () -> TokenizerFiles.load(json.toString())).getMessage();
        assertEquals(true, notJson.startsWith(json + ":3: not valid JSON"), notJson);

        Files.writeString(json, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        String wordPiece = assertThrows(TokenizerFormatException.class, () -> TokenizerFiles.load(json.toString())).getMessage();
        assertEquals(true, wordPiece.startsWith(json + ": expected a tokenizer.json with a BPE model"), wordPiece);

        Files.writeString(dir.resolve("encoder.json"), "{\"a\": 0, \"b\": 1}");
        Files.writeString(dir.resolve("vocab.bpe"), "#version: 0.2\na b\nab\n");
        String badMerge = assertThrows(TokenizerFormatException.class,
                () -> TokenizerFiles.load(dir.resolve("vocab.bpe").toString())).getMessage();
        assertEquals(dir.resolve("vocab.bpe") + ":3: expected two tokens separated by one space, got 'ab'", badMerge);

        String missing = assertThrows(TokenizerFormatException.class,
                () -> TokenizerFiles.load(dir.resolve("nope.json").toString())).getMessage();
        assertEquals(true, missing.startsWith(dir.resolve("nope.json") + ": no such file"), missing);
    }
}
