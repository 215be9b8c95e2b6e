package dev.rlhfloop.llm.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArchiveTest {

    @TempDir
    Path dir;

    private Path modelDir() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve(ModelArchive.CONFIG_FILE), "{\"n_embd\": 8}");
        byte[] weights = new byte[100_000];
        new Random(1).nextBytes(weights);
        Files.write(model.resolve(ModelArchive.WEIGHTS_FILE), weights);
        Files.writeString(model.resolve(ModelArchive.TOKENIZER_FILE), "{\"model\": {}}");
        Files.writeString(model.resolve("optimizer.safetensors"), "not shipped");
        return model;
    }

    @Test
    void packingIsDeterministicAndUnpackRestoresTheFiles() throws IOException {
        Path model = modelDir();
        ModelArchive.Packed first = ModelArchive.pack(model, dir.resolve("a.zip"));
        ModelArchive.Packed second = ModelArchive.pack(model, dir.resolve("b.zip"));
        assertEquals(first.sha256(), second.sha256());
        assertEquals(64, first.sha256().length());

        Path out = dir.resolve("unpacked");
        ModelArchive.unpack(first.file(), out);
        for (String name : ModelArchive.FILES) {
            assertArrayEquals(Files.readAllBytes(model.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        }
        assertFalse(Files.exists(out.resolve("optimizer.safetensors")));
    }

    @Test
    void storedArchivesOfOtherFilesUnpackTheSame() throws IOException {
        Path model = modelDir();
        java.util.List<String> files = java.util.List.of(ModelArchive.CONFIG_FILE, ModelArchive.WEIGHTS_FILE, "optimizer.safetensors");
        ModelArchive.Packed stored = ModelArchive.packStored(model, dir.resolve("stored.zip"), files);
        assertEquals(stored.sha256(), ModelArchive.packStored(model, dir.resolve("again.zip"), files).sha256());
        assertTrue(Files.size(stored.file()) > 100_000, "stored, not deflated");
        Path out = dir.resolve("unpacked-stored");
        ModelArchive.unpack(stored.file(), out, files);
        for (String name : files) assertArrayEquals(Files.readAllBytes(model.resolve(name)), Files.readAllBytes(out.resolve(name)), name);
        assertThrows(ModelArchive.InvalidArchiveException.class, () -> ModelArchive.unpack(stored.file(), dir.resolve("x"), ModelArchive.FILES));
    }

    @Test
    void packedStoredAndTheSameFilesDeflatedHoldTheSameContents() throws IOException {
        Path model = modelDir();
        ModelArchive.Packed packed = ModelArchive.pack(model, dir.resolve("a.zip"));
        assertTrue(Files.size(packed.file()) > 100_000, "stored, not deflated");
        assertEquals(ModelArchive.sha256(packed.file()), packed.sha256(), "the digest of the bytes written");
        Path deflated = dir.resolve("deflated.zip");   // as archives were packed before
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(deflated))) {
            for (String name : ModelArchive.FILES) {
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(model.resolve(name), zip);
                zip.closeEntry();
            }
        }
        assertFalse(packed.sha256().equals(ModelArchive.sha256(deflated)));
        assertTrue(ModelArchive.sameContents(packed.file(), deflated));
        Files.writeString(model.resolve(ModelArchive.CONFIG_FILE), "{\"n_embd\": 16}");
        assertFalse(ModelArchive.sameContents(ModelArchive.pack(model, dir.resolve("b.zip")).file(), deflated));
    }

    @Test
    void rejectsFoldersAndMissingFiles() throws IOException {
        Path evil = dir.resolve("evil.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(evil))) {
            zip.putNextEntry(new ZipEntry("../config.json"));
            zip.write("{}".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        IOException e = assertThrows(ModelArchive.InvalidArchiveException.class,
                () -> ModelArchive.unpack(evil, dir.resolve("out")));
        assertTrue(e.getMessage().contains("unexpected entry"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("config.json")));

        Path partial = dir.resolve("partial.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(partial))) {
            zip.putNextEntry(new ZipEntry(ModelArchive.CONFIG_FILE));
            zip.closeEntry();
        }
        e = assertThrows(ModelArchive.InvalidArchiveException.class, () -> ModelArchive.unpack(partial, dir.resolve("out2")));
        assertTrue(e.getMessage().contains("model.safetensors is missing"), e.getMessage());

        Path notZip = Files.writeString(dir.resolve("text.zip"), "hello");
        assertThrows(ModelArchive.InvalidArchiveException.class, () -> ModelArchive.unpack(notZip, dir.resolve("out3")));
    }

    @Test
    void packRefusesAnIncompleteDirectory() throws IOException {
        Path model = modelDir();
        Files.delete(model.resolve(ModelArchive.TOKENIZER_FILE));
        IOException e = assertThrows(IOException.class, () -> ModelArchive.pack(model, dir.resolve("a.zip")));
        assertTrue(e.getMessage().contains("tokenizer.json is missing"), e.getMessage());
    }
}
