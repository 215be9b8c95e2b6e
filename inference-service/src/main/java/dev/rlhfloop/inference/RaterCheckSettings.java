package dev.rlhfloop.inference;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.OptionalLong;

/** {@code rlhf.inference.rater-checks.*}: comparisons that check the raters (see {@link RaterChecks}). */
public interface RaterCheckSettings {

    /** Share (0 to 1) of comparisons drawn from the pool that are gold: a checkable task's right answer against a wrong one. */
    @WithDefault("0.05")
    double goldShare();

    /**
     * Share (0 to 1) of comparisons drawn from the pool that are shown to a second rater once a first
     * one voted; drawn only while at least two raters voted within {@link #secondRaterWait()}.
     */
    @WithDefault("0.1")
    double secondRaterShare();

    /** How long a voted comparison waits for a second rater to ask for one before it is given up. */
    @WithDefault("PT20M")
    Duration secondRaterWait();

    /**
     * The pace at which answers that are not generated now (gold answers, a second showing) are
     * streamed, per word: about a small model's, so that how they arrive does not give them away.
     */
    @WithDefault("PT0.05S")
    Duration fixedAnswerPace();

    /** Seed of the draws (which comparisons check, which gold task, which side); unset: a secure random. */
    OptionalLong seed();
}
