package dev.rlhfloop.llm.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The reference files in {@code shared/data}, which sits beside the repository (on developer
 * machines and in CI) and is never copied into it.
 */
public final class SharedData {

    private SharedData() {}

    public static Path file(String name) {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path at = dir; at != null; at = at.getParent()) {
            Path candidate = at.resolve("shared").resolve("data").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared/data/" + name + " not found above " + dir
                + ": the reference data is expected in ../shared/data beside the repository");
    }
}
