package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.train.TrainingListener.Evaluation;

import java.nio.file.Path;
import java.util.List;

/**
 * A finished training run: the model directory, steps taken, the last evaluation's train and
 * validation loss, every evaluation, and the training time over all sessions (resumes included).
 */
public record TrainingResult(Path directory, long steps, float trainLoss, float validationLoss,
                             List<Evaluation> history, double seconds) {

    public TrainingResult {
        history = List.copyOf(history);
    }

    static TrainingResult of(Path directory, TrainingCheckpoint.State state) {
        List<Evaluation> history = state.history();
        Evaluation last = history.isEmpty() ? null : history.get(history.size() - 1);
        return new TrainingResult(directory, state.step(), last == null ? Float.NaN : last.trainLoss(),
                last == null ? Float.NaN : last.validationLoss(), history, state.seconds());
    }
}
