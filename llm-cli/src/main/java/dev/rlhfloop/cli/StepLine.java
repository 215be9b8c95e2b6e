package dev.rlhfloop.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A run of numbered steps on stderr: on a terminal one line redrawn in place, in a log the first,
 * the last and about twenty lines in between (as {@link TrainingProgress} draws training).
 */
final class StepLine {

    private final PrintWriter err;
    private final boolean terminal;
    private final String name;

    StepLine(PrintWriter err, String name) {
        this.err = err;
        this.terminal = System.console() != null;
        this.name = name;
    }

    /** Step {@code done} of {@code total}, followed by {@code details}. */
    void step(long done, long total, String details) {
        if (!terminal && done % Math.max(1, total / 20) != 0 && done != total && done != 1) {
            return;
        }
        String line = String.format(Locale.ROOT, "%s %s step %d/%d %s", name, TrainingProgress.bar(done, total), done, total, details);
        err.print(terminal ? "\r\033[K" + line + (done == total ? "\n" : "") : line + "\n");
        err.flush();
    }
}
