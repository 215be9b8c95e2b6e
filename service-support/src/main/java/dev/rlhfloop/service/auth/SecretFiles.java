package dev.rlhfloop.service.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secrets generated at first start under {@code run/auth/}, readable by their owner only. Every
 * service of a local run (and every container sharing the auth volume) reads the same files: the
 * first process to start writes them, the others read what it wrote.
 */
public final class SecretFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFiles() {}

    /** A fresh random secret: 32 bytes, URL-safe base64 (43 characters). */
    public static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What was read or written, and whether this call created it (the first start prints the admin login once). */
    public record Secret(String value, boolean created) {}

    /**
     * The file's content, or a new random secret written there (mode 600) when it does not exist.
     * Written to a private temporary file and linked into place, so a concurrent reader sees either
     * nothing or the whole secret, and two first starts agree on one.
     */
    public static Secret readOrCreate(Path file) throws IOException {
        if (Files.exists(file)) return new Secret(read(file), false);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        restrict(dir, "rwx------");
        Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            restrict(temp, "rw-------");
            String value = random();
            Files.writeString(temp, value + "\n", StandardCharsets.UTF_8);
            try {
                Files.createLink(file, temp);
                return new Secret(value, true);
            } catch (FileAlreadyExistsException other) {
                return new Secret(read(file), false);
            } catch (UnsupportedOperationException noLinks) {
                Files.move(temp, file);
                return new Secret(value, true);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static String read(Path file) throws IOException {
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) throw new IOException(file + " is empty: delete it to have a new secret generated");
        return value;
    }

    private static void restrict(Path path, String permissions) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        } catch (UnsupportedOperationException notPosix) {
            // e.g. Windows: the user's profile directory is already private
        }
    }
}
