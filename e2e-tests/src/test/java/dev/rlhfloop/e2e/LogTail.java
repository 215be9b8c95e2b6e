package dev.rlhfloop.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The end of a process's log, for a failure message: CI shows the test output, not the files under target/. */
final class LogTail {
    private LogTail() {}

    /** The last {@code lines} lines of {@code log}, or why there are none; bytes that are not UTF-8 are replaced, not fatal. */
    static String of(Path log, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
