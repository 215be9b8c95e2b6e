package dev.rlhfloop.cli;

import dev.rlhfloop.llm.rlhf.PolicyUpdate;

import java.io.PrintWriter;
import java.util.Locale;

/** A policy update's steps on stderr, one {@link StepLine} per stage: the reward model's, then the policy's. */
final class UpdateProgress implements PolicyUpdate.Progress {

    private final PrintWriter err;
    private final StepLine rewardModel;
    private final StepLine policy;

    UpdateProgress(PrintWriter err) {
        this(err, "policy");
    }

    private UpdateProgress(PrintWriter err, String policyStage) {
        this.err = err;
        this.rewardModel = new StepLine(err, "reward-model");
        this.policy = new StepLine(err, policyStage);
    }

    /** The same, naming the policy stage (dpo, rloo). */
    UpdateProgress named(String stage) {
        return new UpdateProgress(err, stage);
    }

    @Override
    public void step(PolicyUpdate.Stage stage, long step, long total, double loss) {
        (stage == PolicyUpdate.Stage.REWARD_MODEL ? rewardModel : policy).step(step, total, String.format(Locale.ROOT, "loss %.4f", loss));
    }
}
