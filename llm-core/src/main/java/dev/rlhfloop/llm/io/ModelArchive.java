package dev.rlhfloop.llm.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * How a model travels between services: a ZIP of its directory ({@code config.json},
 * {@code model.safetensors}, {@code tokenizer.json}, flat, no folders) announced by URL and the
 * SHA-256 of the ZIP's bytes. The trainer {@link #pack}s a directory and serves the file; the
 * inference service downloads it, checks the digest before unpacking anything, then
 * {@link #unpack}s and loads the directory. Downloading is the service's job: this library does
 * no network I/O.
 *
 * <p>Packing is deterministic (fixed entry order and timestamps, entries stored, not deflated), so
 * the same weights always give the same digest, whatever zlib the JDK links. Stored, because float
 * weights deflate by only ~7% and deflating a {@code nano} model's 14.7 MB took ~0.7 s of the
 * trainer's publication and inflating it ~0.1–0.3 s of every hot-load on two busy cores (both now
 * ~50 ms). Archives deflated by earlier versions unpack the same; {@link #sameContents} tells
 * whether two archives hold the same files however they were packed.
 */
public final class ModelArchive {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    /** What a servable model directory holds, in archive order. */
    public static final List<String> FILES = List.of(CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE);
    /** What a LoRA adapter's directory holds (PEFT's layout), in archive order: it is served over a base model. */
    public static final List<String> ADAPTER_FILES = List.of("adapter_config.json", "adapter_model.safetensors");

    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private ModelArchive() {}

    /** A packed model: the ZIP file and the SHA-256 (lowercase hex) of its bytes. */
    public record Packed(Path file, String sha256) {}

    /** The digest or the contents did not match what was announced. */
    public static final class InvalidArchiveException extends IOException {
        public InvalidArchiveException(String message) {
            super(message);
        }
    }

    /** Zips {@link #FILES} of {@code modelDirectory} into {@code zipFile} (replaced atomically) and returns its digest. */
    public static Packed pack(Path modelDirectory, Path zipFile) throws IOException {
        return packStored(modelDirectory, zipFile, FILES);
    }

    /** Zips {@link #ADAPTER_FILES} of {@code adapterDirectory}: a version that is an adapter over a base. */
    public static Packed packAdapter(Path adapterDirectory, Path zipFile) throws IOException {
        return packStored(adapterDirectory, zipFile, ADAPTER_FILES);
    }

    /** Zips {@code files} of {@code directory}, as {@link #pack} does: for another kind of model (a reward model's files). */
    public static Packed packStored(Path modelDirectory, Path zipFile, List<String> files) throws IOException {
        return pack(modelDirectory, zipFile, files, true);
    }

    /**
     * Whether two archives hold the same files with the same bytes, however each was packed (stored
     * or deflated, as archives made before packing was stored are): a replay's version is the
     * recorded one when this holds, even where the archives' digests differ.
     */
    public static boolean sameContents(Path a, Path b) throws IOException {
        java.util.Map<String, String> first = contentDigests(a);
        return !first.isEmpty() && first.equals(contentDigests(b));
    }

    /** Each entry's name and the SHA-256 of its unpacked bytes. */
    private static java.util.Map<String, String> contentDigests(Path zipFile) throws IOException {
        java.util.Map<String, String> digests = new java.util.TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(zipFile))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                if (digests.put(entry.getName(), digestOf(new java.io.FilterInputStream(zip) {
                    @Override
                    public void close() {
                        // the entry, not the archive
                    }
                }, OutputStream.nullOutputStream())) != null) {
                    throw new InvalidArchiveException(zipFile + ": entry '" + entry.getName() + "' appears twice");
                }
            }
        }
        return digests;
    }

    private static Packed pack(Path modelDirectory, Path zipFile, List<String> files, boolean stored) throws IOException {
        for (String name : files) {
            if (!Files.isRegularFile(modelDirectory.resolve(name))) {
                throw new IOException(modelDirectory + " is not a servable model directory: " + name + " is missing");
            }
        }
        Path parent = zipFile.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, zipFile.getFileName().toString(), ".part");
        MessageDigest digest = sha256Digest();
        try {
            // digested as written: the archive is not read back
            try (OutputStream out = new java.security.DigestOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16),
                    digest)) {
                write(modelDirectory, out, files, stored);
            }
            Files.move(temp, zipFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        return new Packed(zipFile, HexFormat.of().formatHex(digest.digest()));
    }

    /** Writes the ZIP of {@link #FILES} of {@code modelDirectory} to {@code out} (not closed). */
    public static void write(Path modelDirectory, OutputStream out) throws IOException {
        write(modelDirectory, out, FILES, true);
    }

    private static void write(Path modelDirectory, OutputStream out, List<String> files, boolean stored) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (String name : files) {
            ZipEntry entry = new ZipEntry(name);
            entry.setTimeLocal(FIXED_TIME);
            if (stored) {
                // a stored entry states its size and CRC up front
                long size = Files.size(modelDirectory.resolve(name));
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                try (InputStream in = Files.newInputStream(modelDirectory.resolve(name))) {
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) crc.update(buffer, 0, n);
                }
                entry.setMethod(ZipEntry.STORED);
                entry.setSize(size);
                entry.setCompressedSize(size);
                entry.setCrc(crc.getValue());
            }
            zip.putNextEntry(entry);
            Files.copy(modelDirectory.resolve(name), zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    /**
     * Unpacks a ZIP into {@code directory} (created if needed). Entries must be plain file names
     * (no folders, no {@code ..}), each at most once, and every file of {@link #FILES} must be there.
     */
    public static void unpack(Path zipFile, Path directory) throws IOException {
        unpack(zipFile, directory, FILES);
    }

    /** The same for an adapter's archive: every file of {@link #ADAPTER_FILES} must be there. */
    public static void unpackAdapter(Path zipFile, Path directory) throws IOException {
        unpack(zipFile, directory, ADAPTER_FILES);
    }

    /** Unpacks an archive that must hold every one of {@code files}. */
    public static void unpack(Path zipFile, Path directory, List<String> files) throws IOException {
        Files.createDirectories(directory);
        Set<String> seen = new HashSet<>();
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(zipFile))) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null; ) {
                String name = entry.getName();
                if (entry.isDirectory() || name.isEmpty() || name.contains("/") || name.contains("\\")
                        || name.equals(".") || name.equals("..")) {
                    throw new InvalidArchiveException(zipFile + ": unexpected entry '" + name + "' (a model archive holds plain files only)");
                }
                if (!seen.add(name)) {
                    throw new InvalidArchiveException(zipFile + ": entry '" + name + "' appears twice");
                }
                Files.copy(zip, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (seen.isEmpty()) {
            throw new InvalidArchiveException(zipFile + " is not a ZIP archive (or an empty one)");
        }
        for (String name : files) {
            if (!seen.contains(name)) {
                throw new InvalidArchiveException(zipFile + ": " + name + " is missing from the archive");
            }
        }
    }

    /** SHA-256 of a file's bytes, lowercase hex. */
    public static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digestOf(in, OutputStream.nullOutputStream());
        }
    }

    /** Copies {@code in} (closed after) to {@code copy} (left open) and returns the SHA-256 of the bytes: a download digested as it arrives. */
    public static String sha256(InputStream in, OutputStream copy) throws IOException {
        return digestOf(in, copy);
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String digestOf(InputStream in, OutputStream copy) throws IOException {
        MessageDigest digest = sha256Digest();
        try (DigestInputStream digesting = new DigestInputStream(in, digest)) {
            digesting.transferTo(copy);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
