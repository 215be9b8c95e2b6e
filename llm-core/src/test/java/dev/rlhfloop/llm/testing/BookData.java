package dev.rlhfloop.llm.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The book's own data files ({@code the-verdict.txt}, {@code instruction-data.json},
 * {@code instruction-data-with-preference.json}), which are not part of this project. Tests that
 * compare with them run when {@code -Drlhf.book-data=DIR} names a folder holding them, and are
 * skipped (a JUnit assumption naming the property) when it is not given. A relative DIR is taken
 * from the repository root, which the parent POM passes to the test JVMs.
 */
public final class BookData {

    public static final String PROPERTY = "rlhf.book-data";
    static final String REPOSITORY_ROOT_PROPERTY = "rlhf.repository-root";

    private BookData() {}

    /** The book's file {@code name}; skips the calling test when no book data folder was given. */
    public static Path file(String name) {
        String dir = System.getProperty(PROPERTY, "").trim();
        if (dir.isEmpty()) {
            String reason = "compares with the book's " + name + ", which is not part of the project: run with -D"
                    + PROPERTY + "=DIR (a folder holding it) to include this test";
            // Surefire's console shows only a count of skipped tests; this line says which and why.
            System.out.println("skipped " + callingTest() + ": " + reason);
            Assumptions.abort(reason);
        }
        Path folder = resolveFromRepositoryRoot(dir);
        Path file = folder.resolve(name);
        if (!Files.isRegularFile(file)) {
            // Given but wrong: fail rather than skip, or a typo would silently turn the book tests off.
            throw new IllegalStateException("-D" + PROPERTY + "=" + dir + ": " + file + " does not exist"
                    + (Files.isDirectory(folder) ? "" : " (no such folder " + folder + ")"));
        }
        return file;
    }

    public static String text(String name) {
        try {
            return Files.readString(file(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String callingTest() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(frame -> !frame.getClassName().equals(BookData.class.getName()))
                .findFirst()
                .map(frame -> frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1) + "." + frame.getMethodName())
                .orElse("a test"));
    }

    private static Path resolveFromRepositoryRoot(String dir) {
        Path given = Path.of(dir);
        if (given.isAbsolute()) {
            return given.normalize();
        }
        String root = System.getProperty(REPOSITORY_ROOT_PROPERTY, "").trim();
        Path base = root.isEmpty() ? Path.of("").toAbsolutePath() : Path.of(root);
        return base.resolve(given).toAbsolutePath().normalize();
    }
}
