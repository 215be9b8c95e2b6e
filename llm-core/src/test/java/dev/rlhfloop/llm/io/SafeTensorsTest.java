package dev.rlhfloop.llm.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackTensorsAndMetadata() throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("b.weight", new TensorData(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
        tensors.put("a.bias", new TensorData(new int[] {1}, new float[] {Float.MIN_VALUE}));
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, tensors, Map.of("step", "42"));

        Map<String, TensorData> back = SafeTensors.read(file);
        assertEquals(List.of("b.weight", "a.bias"), List.copyOf(back.keySet()));
        assertArrayEquals(new int[] {2, 3}, back.get("b.weight").shape());
        assertArrayEquals(tensors.get("b.weight").data(), back.get("b.weight").data());
        assertArrayEquals(tensors.get("a.bias").data(), back.get("a.bias").data());
        assertEquals(Map.of("step", "42"), SafeTensors.readMetadata(file));
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data must start 8-byte aligned");
    }

    @Test
    void readsHalfPrecision() throws IOException {
        // 1.0, -2.0, 0.5 in F16 and BF16
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[6,12]}}";
        ByteBuffer buffer = ByteBuffer.allocate(8 + header.length() + 12).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(header.length()).put(header.getBytes(StandardCharsets.UTF_8));
        buffer.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x3800);
        buffer.putShort((short) 0x3F80).putShort((short) 0xC000).putShort((short) 0x3F00);
        Path file = dir.resolve("half.safetensors");
        Files.write(file, buffer.array());
        Map<String, TensorData> back = SafeTensors.read(file);
        assertArrayEquals(new float[] {1f, -2f, 0.5f}, back.get("h").data());
        assertArrayEquals(new float[] {1f, -2f, 0.5f}, back.get("b").data());
        assertEquals(5.9604645e-8f, SafeTensors.halfToFloat((short) 1));
    }

    @Test
    void rejectsAFileThatIsNotSafetensorsWithItsName() throws IOException {
        Path file = dir.resolve("junk.safetensors");
        Files.writeString(file, "this is not a tensor file at all");
        IOException e = assertThrows(IOException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains("junk.safetensors"), e.getMessage());
    }
}
