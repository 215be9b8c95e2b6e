package dev.rlhfloop.llm.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .safetensors} format (Hugging Face): an 8-byte little-endian header length, a JSON
 * header mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the end of the header) plus an optional {@code "__metadata__"} map of
 * strings, then the raw little-endian tensor bytes.
 *
 * <p>Reading maps only the tensor asked for, so a 500 MB checkpoint is never held as one byte
 * array; F32, F16, BF16 and F64 are read into {@code float[]}. Writing streams F32 tensors in the
 * given order and replaces the target file atomically.
 *
 * <pre>{@code
 * try (SafeTensors.Reader file = SafeTensors.open(path)) {
 *     float[] wte = file.read("wte.weight").data();
 * }
 * SafeTensors.write(path, tensors, Map.of("format", "pt"));
 * }</pre>
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METADATA = "__metadata__";
    /** Headers of real checkpoints are a few hundred KB; a larger length means a corrupt or foreign file. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private SafeTensors() {}

    /** Element types this reader understands, with their width in bytes. */
    public enum DType {
        F32(4), F16(2), BF16(2), F64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    /** A tensor's header entry: where its bytes lie, relative to the start of the data section. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        @Override
        public int[] shape() {
            return shape.clone();
        }
    }

    /** Opens a file and reads its header; tensors are read on demand. */
    public static Reader open(Path path) throws IOException {
        return new Reader(path);
    }

    /** Reads every tensor, by name in file order. */
    public static Map<String, TensorData> read(Path path) throws IOException {
        try (Reader reader = open(path)) {
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Entry entry : reader.entries()) {
                tensors.put(entry.name(), reader.read(entry.name()));
            }
            return tensors;
        }
    }

    /** The {@code __metadata__} map of a file (empty if absent), without reading any tensor. */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        try (Reader reader = open(path)) {
            return reader.metadata();
        }
    }

    /** An open {@code .safetensors} file. Not thread-safe. */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final FileChannel channel;
        private final long dataStart;
        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;

        private Reader(Path path) throws IOException {
            this.path = path;
            this.channel = FileChannel.open(path, StandardOpenOption.READ);
            try {
                long size = channel.size();
                if (size < 8) {
                    throw invalid("shorter than the 8-byte header length");
                }
                ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(lengthBytes, 0);
                long headerLength = lengthBytes.getLong(0);
                if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                    throw invalid("header length " + headerLength + " does not fit a file of " + size + " bytes");
                }
                ByteBuffer header = ByteBuffer.allocate((int) headerLength);
                readFully(header, 8);
                this.dataStart = 8 + headerLength;
                JsonNode root;
                try {
                    root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
                } catch (JsonProcessingException e) {
                    throw invalid("header is not JSON: " + e.getOriginalMessage());
                }
                if (root == null || !root.isObject()) {
                    throw invalid("header is not a JSON object");
                }
                this.metadata = parseMetadata(root.get(METADATA));
                this.entries = parseEntries(root, size - dataStart);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        public Path path() {
            return path;
        }

        /** The header entries in data order. */
        public Collection<Entry> entries() {
            return Collections.unmodifiableCollection(entries.values());
        }

        public boolean contains(String name) {
            return entries.containsKey(name);
        }

        public Entry entry(String name) throws IOException {
            Entry entry = entries.get(name);
            if (entry == null) {
                throw invalid("has no tensor named '" + name + "'");
            }
            return entry;
        }

        /** The {@code __metadata__} map (empty if absent). */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** Reads one tensor into floats, mapping just its bytes. */
        public TensorData read(String name) throws IOException {
            Entry entry = entry(name);
            long count = TensorData.elementCount(entry.shape);
            if (count > Integer.MAX_VALUE - 8) {
                throw invalid("tensor " + name + " has " + count + " elements, more than a Java array holds");
            }
            float[] data = new float[(int) count];
            // One mapping may not exceed 2 GiB: map in slices of whole elements.
            long sliceElements = (1L << 30) / entry.dtype.bytes;
            for (long first = 0; first < count; first += sliceElements) {
                int elements = (int) Math.min(sliceElements, count - first);
                long at = dataStart + entry.begin + first * entry.dtype.bytes;
                MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, at,
                        (long) elements * entry.dtype.bytes);
                decode(mapped.order(ByteOrder.LITTLE_ENDIAN), entry.dtype, data, (int) first, elements);
            }
            return new TensorData(entry.shape, data);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        private void readFully(ByteBuffer buffer, long position) throws IOException {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw invalid("ends inside its header");
                }
            }
        }

        private Map<String, String> parseMetadata(JsonNode node) throws IOException {
            if (node == null || node.isNull()) {
                return Map.of();
            }
            if (!node.isObject()) {
                throw invalid(METADATA + " is not an object of strings");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getValue().isTextual()) {
                    throw invalid(METADATA + "." + field.getKey() + " is not a string");
                }
                values.put(field.getKey(), field.getValue().asText());
            }
            return Collections.unmodifiableMap(values);
        }

        private Map<String, Entry> parseEntries(JsonNode root, long dataBytes) throws IOException {
            List<Entry> list = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!field.getKey().equals(METADATA)) {
                    list.add(parseEntry(field.getKey(), field.getValue()));
                }
            }
            list.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            // The format requires the data to be covered exactly, without gaps or overlaps.
            long expected = 0;
            Map<String, Entry> byName = new LinkedHashMap<>();
            for (Entry entry : list) {
                if (entry.begin != expected) {
                    throw invalid("tensor " + entry.name + " starts at byte " + entry.begin + " of the data, expected "
                            + expected + " (tensors must be contiguous, without gaps or overlaps)");
                }
                expected = entry.end;
                byName.put(entry.name, entry);
            }
            if (expected != dataBytes) {
                throw invalid("tensors cover " + expected + " bytes but the file holds " + dataBytes
                        + " bytes of data");
            }
            return byName;
        }

        private Entry parseEntry(String name, JsonNode node) throws IOException {
            if (!node.isObject()) {
                throw invalid("header entry " + name + " is not an object");
            }
            JsonNode dtypeNode = node.get("dtype");
            JsonNode shapeNode = node.get("shape");
            JsonNode offsetsNode = node.get("data_offsets");
            if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                    || offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
                throw invalid("header entry " + name + " needs dtype, shape and data_offsets [begin, end]");
            }
            DType dtype;
            try {
                dtype = DType.valueOf(dtypeNode.asText());
            } catch (IllegalArgumentException e) {
                throw invalid("tensor " + name + " has dtype " + dtypeNode.asText() + "; supported: "
                        + Arrays.toString(DType.values()));
            }
            int[] shape = new int[shapeNode.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode dimension = shapeNode.get(i);
                if (!dimension.canConvertToInt() || dimension.asInt() < 0) {
                    throw invalid("tensor " + name + " has a bad dimension " + dimension);
                }
                shape[i] = dimension.asInt();
            }
            long begin = offsetsNode.get(0).asLong(-1);
            long end = offsetsNode.get(1).asLong(-1);
            long bytes = TensorData.elementCount(shape) * dtype.bytes;
            if (begin < 0 || end - begin != bytes) {
                throw invalid("tensor " + name + " of shape " + Arrays.toString(shape) + " and dtype " + dtype
                        + " needs " + bytes + " bytes, but data_offsets are [" + begin + ", " + end + "]");
            }
            return new Entry(name, dtype, shape, begin, end);
        }

        private IOException invalid(String problem) {
            return new IOException("invalid safetensors file " + path + ": " + problem);
        }
    }

    private static void decode(ByteBuffer bytes, DType dtype, float[] into, int offset, int count) {
        switch (dtype) {
            case F32 -> bytes.asFloatBuffer().get(into, offset, count);
            case F64 -> {
                var doubles = bytes.asDoubleBuffer();
                for (int i = 0; i < count; i++) {
                    into[offset + i] = (float) doubles.get(i);
                }
            }
            case BF16 -> {
                var shorts = bytes.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    into[offset + i] = Float.intBitsToFloat((shorts.get(i) & 0xffff) << 16);
                }
            }
            case F16 -> {
                var shorts = bytes.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    into[offset + i] = halfToFloat(shorts.get(i));
                }
            }
        }
    }

    /** IEEE 754 binary16 to float, exact (subnormals, infinities and NaN included). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: mantissa · 2^-24, exact in float.
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /**
     * Writes the tensors as F32 in the given order with the given {@code __metadata__} (may be
     * empty), through a temporary file that then replaces {@code path}.
     */
    public static void write(Path path, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> named : tensors.entrySet()) {
            TensorData tensor = named.getValue();
            if (named.getKey().equals(METADATA)) {
                throw new IllegalArgumentException("cannot write a tensor named " + METADATA);
            }
            ObjectNode entry = header.putObject(named.getKey());
            entry.put("dtype", DType.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (int dimension : tensor.shape()) {
                shape.add(dimension);
            }
            long bytes = 4L * tensor.data().length;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer start = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        start.putLong(padded).put(json);
        while (start.hasRemaining()) {
            start.put((byte) ' ');
        }
        start.flip();

        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, path.getFileName().toString(), ".tmp");
        try {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(out, start);
                ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (TensorData tensor : tensors.values()) {
                    float[] data = tensor.data();
                    for (int first = 0; first < data.length; ) {
                        int count = Math.min(buffer.capacity() / 4, data.length - first);
                        buffer.clear();
                        buffer.asFloatBuffer().put(data, first, count);
                        buffer.limit(count * 4);
                        writeFully(out, buffer);
                        first += count;
                    }
                }
            }
            Files.move(temporary, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
