package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.tensor.Parallel;

import java.util.Locale;

/**
 * What the first model of a machine is: a rule on the number of cores training may use, never on a
 * stopwatch, so a machine always makes the same choice. The 2-core row is the measured run of
 * docs/training.md (nano, 560 pretraining + 1,125 SFT steps, under 8 minutes on two idle cores); the
 * other rows keep about its wall time from the step times measured there: one core gets half the
 * steps, four get twice the steps, eight get the {@code small} preset (about 3.5 times nano's work
 * per step) at the 2-core steps.
 *
 * @param cores  the cores the rule was applied to
 * @param reason one line saying what was chosen and why, for the log and the dashboard
 */
public record BootstrapPlan(String preset, int pretrainSteps, int sftSteps, int cores, String reason) {

    static final int PRETRAIN_STEPS = 560;
    static final int SFT_STEPS = 1125;

    public BootstrapPlan {
        if (pretrainSteps <= 0 || sftSteps <= 0 || cores <= 0) {
            throw new IllegalArgumentException("steps and cores must be positive");
        }
    }

    /** The plan for {@code cores} cores. */
    public static BootstrapPlan forCores(int cores) {
        if (cores <= 0) {
            throw new IllegalArgumentException("cores must be positive, was " + cores);
        }
        if (cores >= 7) {
            return plan("small", PRETRAIN_STEPS, SFT_STEPS, cores, "7 or more: the small preset (6 layers x 384), "
                    + "about 3.5x nano's work per step, at the 2-core step counts");
        }
        if (cores >= 4) {
            return plan("nano", 2 * PRETRAIN_STEPS, 2 * SFT_STEPS, cores, "4 to 6: nano with twice the 2-core steps (three SFT epochs)");
        }
        if (cores >= 2) {
            return plan("nano", PRETRAIN_STEPS, SFT_STEPS, cores, "2 or 3: the measured nano run of docs/training.md");
        }
        return plan("nano", PRETRAIN_STEPS / 2, SFT_STEPS / 2, cores, "1: nano with half the 2-core steps, to end in about the same time");
    }

    /** The cores training may use in this JVM: the machine's, capped by the kernels' thread count ({@code -Dllm.threads}). */
    public static int trainingCores() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), Parallel.threads()));
    }

    /** This plan with the steps a setting names instead of the rule's (null keeps the rule's). */
    public BootstrapPlan withSteps(Integer pretrain, Integer sft) {
        if (pretrain == null && sft == null) {
            return this;
        }
        int p = pretrain == null ? pretrainSteps : pretrain;
        int f = sft == null ? sftSteps : sft;
        return new BootstrapPlan(preset, p, f, cores, reason + String.format(Locale.ROOT, "; steps set to %d + %d", p, f));
    }

    public Bootstrap.Settings settings() {
        return Bootstrap.Settings.preset(preset, pretrainSteps, sftSteps);
    }

    /** E.g. {@code nano, 560 pretraining + 1125 SFT steps (2 cores: 2 or 3: the measured nano run ...)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s, %d pretraining + %d SFT steps (%d core%s: %s)", preset, pretrainSteps, sftSteps, cores,
                cores == 1 ? "" : "s", reason);
    }

    private static BootstrapPlan plan(String preset, int pretrain, int sft, int cores, String reason) {
        return new BootstrapPlan(preset, pretrain, sft, cores, reason);
    }
}
