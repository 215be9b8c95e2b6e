package dev.rlhfloop.cli;

import dev.rlhfloop.llm.rlhf.PolicyUpdate;

import java.io.PrintWriter;
import java.util.Locale;

/** A policy update's steps on stderr: one bar redrawn in place on a terminal, about twenty lines per stage in a log. */
final class UpdateProgress implements PolicyUpdate.Progress {

    private final PrintWriter err;
    private final boolean terminal;
    private final String policyStage;

    UpdateProgress(PrintWriter err, boolean terminal) {
        this(err, terminal, "policy");
    }

    private UpdateProgress(PrintWriter err, boolean terminal, String policyStage) {
        this.err = err;
        this.terminal = terminal;
        this.policyStage = policyStage;
    }

    /** The same, naming the policy stage (dpo, rloo). */
    UpdateProgress named(String stage) {
        return new UpdateProgress(err, terminal, stage);
    }

    @Override
    public void step(PolicyUpdate.Stage stage, long step, long total, double loss) {
        long every = Math.max(1, total / 20);
        if (!terminal && step % every != 0 && step != total && step != 1) return;
        String name = stage == PolicyUpdate.Stage.REWARD_MODEL ? "reward-model" : policyStage;
        String text = String.format(Locale.ROOT, "%s %s step %d/%d loss %.4f", name, TrainingProgress.bar(step, total), step, total, loss);
        if (terminal) {
            err.print("\r\033[K" + text);
            if (step == total) err.println();
        } else {
            err.println(text);
        }
        err.flush();
    }
}
