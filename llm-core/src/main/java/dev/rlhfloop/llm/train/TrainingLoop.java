package dev.rlhfloop.llm.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.BatchLoader;
import dev.rlhfloop.llm.data.DataPosition;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.TrainingListener.Evaluation;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import dev.rlhfloop.llm.train.TrainingListener.Progress;
import dev.rlhfloop.llm.train.TrainingListener.Sample;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loop pretraining and fine-tuning share: step, then (when due) evaluate, sample and
 * checkpoint, telling the listener each time. Nothing here draws random numbers, and evaluation
 * and sampling do not touch the training state, so a run resumed from a checkpoint takes exactly
 * the steps the uninterrupted run took after it.
 */
final class TrainingLoop {

    /** The shuffled training batches (their position saved in each checkpoint), plus fixed evaluation sets. */
    record Data(BatchLoader train, List<Batch> trainEvaluation, List<Batch> validation) {}

    /** The trainer and the state a run goes on from: a saved run's, or a new model's at step 0. */
    record Start(Trainer trainer, TrainingCheckpoint.State state) {

        /** The saved run in {@code directory}, after checking it trained on the same data. */
        static Start resumed(Path directory, TrainingCheckpoint.State saved, String fingerprint, TrainerSettings settings)
                throws IOException {
            Runs.checkSameData(directory, saved, fingerprint);
            return new Start(Trainer.resume(directory, settings), saved);
        }

        /** {@code model} at step 0 of {@code totalSteps}; {@code runSettings} are saved for a resume to reuse. */
        static Start fresh(Phase phase, Gpt model, TrainerSettings settings, long totalSteps, String fingerprint, Object runSettings) {
            return new Start(new Trainer(model, settings), new TrainingCheckpoint.State(phase, 0, totalSteps, false,
                    DataPosition.START, fingerprint, TrainingCheckpoint.JSON.valueToTree(runSettings), List.of(), 0));
        }
    }

    /** Greedy samples from the model as it is now. */
    interface Sampler {
        List<Sample> sample(Gpt model, long step);
    }

    private TrainingLoop() {}

    static TrainingResult run(Phase phase, Path directory, Start from, Data data, RunSettings settings, Sampler sampler,
                              TrainingListener listener) throws IOException {
        Trainer trainer = from.trainer();
        TrainingCheckpoint.State start = from.state();
        long total = start.totalSteps();
        long step = start.step();
        JsonNode settingsJson = start.settings();
        List<Evaluation> history = new ArrayList<>(start.history());
        data.train().restore(start.data());
        float validationLoss = history.isEmpty() ? Float.NaN : history.get(history.size() - 1).validationLoss();
        long began = System.nanoTime();
        long firstStep = step;
        long tokens = 0;
        long stepNanos = 0;
        while (step < total) {
            Trainer.StepResult result = trainer.step(data.train().next());
            step++;
            tokens += result.tokens();
            stepNanos += result.nanos();
            DataPosition position = data.train().position();
            boolean endOfEpoch = position.batchInEpoch() == data.train().batchesPerEpoch();
            boolean last = step == total;
            long epoch = position.epoch() + 1;

            long elapsed = System.nanoTime() - began;
            long perStep = elapsed / (step - firstStep);
            listener.stepped(new Progress(phase, step, total, epoch, result.loss(), validationLoss, result.learningRate(),
                    tokens * 1e9 / Math.max(1, stepNanos), Duration.ofNanos(elapsed), Duration.ofNanos(perStep * (total - step))));

            if (settings.evalEvery() > 0 && step % settings.evalEvery() == 0 || endOfEpoch || last) {
                float trainLoss = Trainer.evaluate(trainer.model(), data.trainEvaluation());
                validationLoss = Trainer.evaluate(trainer.model(), data.validation());
                Evaluation evaluation = new Evaluation(phase, step, epoch, endOfEpoch, trainLoss, validationLoss);
                history.add(evaluation);
                listener.evaluated(evaluation);
            }
            if (settings.sampleEvery() > 0 && step % settings.sampleEvery() == 0 || last) {
                for (Sample sample : sampler.sample(trainer.model(), step)) {
                    listener.sampled(sample);
                }
            }
            if (settings.checkpointEvery() > 0 && step % settings.checkpointEvery() == 0 || last) {
                double seconds = start.seconds() + (System.nanoTime() - began) / 1e9;
                TrainingCheckpoint.write(directory, trainer, new TrainingCheckpoint.State(phase, step, total, last,
                        position, start.dataFingerprint(), settingsJson, history, seconds));
                listener.checkpointed(phase, step, directory);
            }
        }
        double seconds = start.seconds() + (System.nanoTime() - began) / 1e9;
        Evaluation lastEvaluation = history.isEmpty() ? null : history.get(history.size() - 1);
        TrainingResult result = new TrainingResult(directory, step, lastEvaluation == null ? Float.NaN : lastEvaluation.trainLoss(),
                lastEvaluation == null ? Float.NaN : lastEvaluation.validationLoss(), history, seconds);
        listener.phaseFinished(phase, String.format(Locale.ROOT, "train loss %.3f, validation loss %.3f after %d steps (%.0f s)",
                result.trainLoss(), result.validationLoss(), result.steps(), result.seconds()));
        return result;
    }
}
