package dev.rlhfloop.llm.train;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a training pipeline tells the outside while it runs: the CLI draws a progress bar from it,
 * the trainer service turns it into training events. Every method has an empty default, so a
 * listener implements only what it shows. Calls come from the training thread, between steps.
 */
public interface TrainingListener {

    /** The stages of the pipeline, in order, and classification fine-tuning (not part of it). */
    enum Phase { TOKENIZER, PRETRAIN, SFT, SCORE, CLASSIFY }

    /**
     * One optimizer step done. {@code step} counts from 1 to {@code totalSteps}; {@code loss} is this
     * step's training loss; {@code validationLoss} the latest validation loss (NaN before the first);
     * {@code tokensPerSecond} and {@code eta} are averaged over the steps of this process.
     */
    record Progress(Phase phase, long step, long totalSteps, long epoch, float loss, float validationLoss,
                    float learningRate, double tokensPerSecond, Duration elapsed, Duration eta) {

        public double fraction() {
            return totalSteps == 0 ? 1 : (double) step / totalSteps;
        }
    }

    /**
     * Losses in evaluation mode after {@code step}: {@code trainLoss} over the first batches of the
     * training data, {@code validationLoss} over the held-out part. {@code endOfEpoch} marks the
     * evaluation that closes epoch {@code epoch} (counting from 1).
     */
    record Evaluation(Phase phase, long step, long epoch, boolean endOfEpoch, float trainLoss, float validationLoss) {}

    /** A greedy continuation of {@code prompt} after {@code step}, to watch the model learn. */
    record Sample(Phase phase, long step, String prompt, String text) {}

    TrainingListener NONE = new TrainingListener() { };

    default void phaseStarted(Phase phase, String description) {}

    /** Work within a phase that is not an optimizer step (tokenizer merges, scoring), as done of total. */
    default void working(Phase phase, long done, long total) {}

    default void stepped(Progress progress) {}

    default void evaluated(Evaluation evaluation) {}

    default void sampled(Sample sample) {}

    default void checkpointed(Phase phase, long step, Path directory) {}

    default void phaseFinished(Phase phase, String summary) {}
}
