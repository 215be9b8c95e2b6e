package dev.rlhfloop.cli;

import dev.rlhfloop.llm.train.TrainingListener;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Draws a training run on stderr: on a terminal one progress line redrawn in place, in a log a
 * line every twentieth of the run; evaluations, samples, checkpoints and phases on lines of their own.
 */
final class TrainingProgress implements TrainingListener {

    private static final int BAR_WIDTH = 24;

    private final PrintWriter err;
    private final boolean terminal;
    private boolean lineOpen;
    private long lastWorkPercent = -1;

    TrainingProgress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** On the command's error stream; redrawn in place only when a person is watching. */
    static TrainingProgress on(PrintWriter err) {
        return new TrainingProgress(err, System.console() != null);
    }

    @Override
    public void phaseStarted(Phase phase, String description) {
        line(name(phase) + ": " + description);
        lastWorkPercent = -1;
    }

    @Override
    public void working(Phase phase, long done, long total) {
        long percent = 100 * done / Math.max(1, total);
        boolean due = terminal ? percent != lastWorkPercent : percent / 10 != lastWorkPercent / 10 || done == total;
        if (due && percent != lastWorkPercent) {
            lastWorkPercent = percent;
            draw(String.format(Locale.ROOT, "%s %s %d/%d", name(phase), bar(done, total), done, total), done == total);
        }
    }

    @Override
    public void stepped(Progress p) {
        long every = Math.max(1, p.totalSteps() / 20);
        if (!terminal && p.step() % every != 0 && p.step() != p.totalSteps() && p.step() != 1) {
            return;
        }
        String validation = Float.isNaN(p.validationLoss()) ? "" : String.format(Locale.ROOT, " val %.3f", p.validationLoss());
        draw(String.format(Locale.ROOT, "%s %s step %d/%d epoch %d loss %.3f%s lr %.2e %,.0f tok/s %s ETA %s",
                name(p.phase()), bar(p.step(), p.totalSteps()), p.step(), p.totalSteps(), p.epoch(), p.loss(), validation,
                p.learningRate(), p.tokensPerSecond(), clock(p.elapsed()), clock(p.eta())), p.step() == p.totalSteps());
    }

    @Override
    public void evaluated(Evaluation e) {
        line(String.format(Locale.ROOT, "%s step %d%s: train loss %.3f, val loss %.3f (perplexity %.1f)", name(e.phase()), e.step(),
                e.endOfEpoch() ? " (end of epoch " + e.epoch() + ")" : "", e.trainLoss(), e.validationLoss(), Math.exp(e.validationLoss())));
    }

    @Override
    public void sampled(Sample s) {
        line(String.format(Locale.ROOT, "%s step %d sample: %s -> %s", name(s.phase()), s.step(), oneLine(s.prompt()), oneLine(s.text())));
    }

    @Override
    public void checkpointed(Phase phase, long step, Path directory) {
        line(String.format(Locale.ROOT, "%s step %d: checkpoint saved in %s", name(phase), step, directory));
    }

    @Override
    public void phaseFinished(Phase phase, String summary) {
        line(name(phase) + " done: " + summary);
    }

    private void draw(String text, boolean finished) {
        if (terminal) {
            err.print("\r\033[K" + text);
            lineOpen = !finished;
            if (finished) {
                err.println();
            }
        } else {
            err.println(text);
        }
        err.flush();
    }

    private void line(String text) {
        if (lineOpen) {
            err.print("\r\033[K");
            lineOpen = false;
        }
        err.println(text);
        err.flush();
    }

    private static String name(Phase phase) {
        return phase.name().toLowerCase(Locale.ROOT);
    }

    static String bar(long done, long total) {
        int filled = (int) (BAR_WIDTH * done / Math.max(1, total));
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static String oneLine(String text) {
        String flat = text.replace("\n", "\\n");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
