package dev.rlhfloop.llm.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFixtureThatPyTorchWrote() throws IOException {
        Path file = copyResource("fixture.safetensors");
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("fixture.json")) {
            expected = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build().readTree(in);
        }
        try (SafeTensors.Reader reader = SafeTensors.open(file)) {
            assertEquals(Map.of("format", "pt", "made_by", "make_fixture.py"), reader.metadata());
            assertEquals(SafeTensors.DType.F16, reader.entry("half").dtype());
            assertEquals(SafeTensors.DType.BF16, reader.entry("brain").dtype());
            // Entries come in data order, which differs from the header's (sorted) key order.
            assertEquals("wte.weight", reader.entries().iterator().next().name());
            int count = 0;
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); count++) {
                Map.Entry<String, JsonNode> want = it.next();
                TensorData got = reader.read(want.getKey());
                int[] shape = new int[want.getValue().get("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = want.getValue().get("shape").get(i).asInt();
                }
                assertArrayEquals(shape, got.shape(), want.getKey());
                JsonNode values = want.getValue().get("values");
                assertEquals(values.size(), got.data().length, want.getKey());
                for (int i = 0; i < values.size(); i++) {
                    assertEquals((float) values.get(i).asDouble(), got.data()[i], want.getKey() + "[" + i + "]");
                }
            }
            assertEquals(7, count);
            assertEquals(reader.entries().size(), count);
        }
    }

    @Test
    void writesAndReadsBackBitForBit() throws IOException {
        SplittableRandom random = new SplittableRandom(5);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("h.0.attn.c_attn.weight", new TensorData(new int[] {7, 21}, randoms(random, 147)));
        tensors.put("ln_f.bias", new TensorData(new int[] {7}, randoms(random, 7)));
        tensors.put("scalar", new TensorData(new int[] {}, new float[] {Float.NaN}));
        tensors.put("empty", new TensorData(new int[] {0, 3}, new float[0]));
        // Larger than the 1 MiB write buffer, so it is streamed in several pieces.
        tensors.put("big", new TensorData(new int[] {600, 1001}, randoms(random, 600_600)));
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "pt"));

        ByteBuffer start = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, start.getLong(0) % 8, "data starts 8-byte aligned");

        Map<String, TensorData> back = SafeTensors.read(file);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.keySet()), "names in file order");
        for (Map.Entry<String, TensorData> want : tensors.entrySet()) {
            TensorData got = back.get(want.getKey());
            assertArrayEquals(want.getValue().shape(), got.shape());
            assertArrayEquals(want.getValue().data(), got.data(), want.getKey());
        }
        assertEquals(Map.of("format", "pt"), SafeTensors.readMetadata(file));
        try (SafeTensors.Reader reader = SafeTensors.open(file)) {
            assertEquals(Map.of("format", "pt"), reader.metadata());
            assertTrue(reader.contains("big"));
            assertFalse(reader.contains("wte.weight"));
        }
        // Writing again replaces the file.
        SafeTensors.write(file, Map.of("scalar", tensors.get("scalar")), Map.of());
        assertEquals(1, SafeTensors.read(file).size());
    }

    @Test
    void halfPrecisionDecodesEveryValueExactly() {
        for (int bits = 0; bits < 65536; bits++) {
            int exponent = (bits >>> 10) & 0x1f;
            int mantissa = bits & 0x3ff;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            double expected = exponent == 0 ? sign * mantissa * Math.pow(2, -24)
                    : exponent == 31 ? (mantissa == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN)
                    : sign * (1 + mantissa / 1024.0) * Math.pow(2, exponent - 15);
            float got = SafeTensors.halfToFloat((short) bits);
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(got), "bits " + bits);
            } else {
                assertEquals((float) expected, got, "bits " + bits);
                assertEquals(sign < 0, (Float.floatToRawIntBits(got) & 0x80000000) != 0, "sign of bits " + bits);
            }
        }
    }

    @Test
    void badFilesAreRejectedWithTheFileAndTheProblem() throws IOException {
        assertProblem(new byte[] {1, 2, 3}, "shorter than the 8-byte header length");
        assertProblem(file(999, "{}", 0), "header length 999");
        assertProblem(file(-1, "{}", 0), "header length");
        assertProblem(file(0, "[1, 2]", 0), "not a JSON object");
        assertProblem(file(0, "{\"a\": ", 0), "not JSON");
        assertProblem(file(0, "{\"a\": {\"dtype\": \"I8\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1),
                "dtype I8");
        assertProblem(file(0, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4),
                "needs 8 bytes");
        assertProblem(file(0, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8),
                "starts at byte 4");
        assertProblem(file(0, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 12),
                "file holds 12 bytes");
        assertProblem(file(0, "{\"a\": {\"dtype\": \"F32\"}}", 0), "needs dtype, shape and data_offsets");
        Path ok = dir.resolve("ok.safetensors");
        Files.write(ok, file(0, "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4));
        try (SafeTensors.Reader reader = SafeTensors.open(ok)) {
            IOException missing = assertThrows(IOException.class, () -> reader.read("b"));
            assertTrue(missing.getMessage().contains("no tensor named 'b'"), missing.getMessage());
        }
    }

    private void assertProblem(byte[] content, String problem) throws IOException {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, content);
        IOException error = assertThrows(IOException.class, () -> SafeTensors.open(file).close());
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
        assertTrue(error.getMessage().contains(problem), error.getMessage());
    }

    /** A hand-made file: header length (or {@code length} if nonzero), header, then zero bytes of data. */
    private static byte[] file(long length, String header, int dataBytes) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(length != 0 ? length : json.length).put(json);
        return buffer.array();
    }

    private Path copyResource(String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream(name)) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    private static float[] randoms(SplittableRandom random, int size) {
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
