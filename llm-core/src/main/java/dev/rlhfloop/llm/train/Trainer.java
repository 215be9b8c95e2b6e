package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Next-token training of a {@link Gpt}: one {@link #step} = forward and backward over each
 * micro-batch (gradients accumulate, each scaled by 1/k), global-norm clipping, then one AdamW
 * update at the scheduled rate. For a given seed, thread count and batches the weights are the
 * same bit for bit, also across {@link #save} and {@link #resume}.
 */
public final class Trainer {

    public static final String OPTIMIZER_FILE = "optimizer.safetensors";

    /** What one update did: its index (from 0), mean micro-batch loss, gradient norm before clipping, rate used. */
    public record StepResult(long step, float loss, double gradNorm, float learningRate, int tokens, long nanos) {

        public double tokensPerSecond() {
            return tokens * 1e9 / Math.max(1, nanos);
        }
    }

    private final Gpt model;
    private final TrainerSettings settings;
    private final AdamW optimizer;

    public Trainer(Gpt model, TrainerSettings settings) {
        this.model = model;
        this.settings = settings;
        this.optimizer = new AdamW(model.trainableParameters(), settings.adamW());
    }

    /** A trainer continuing a run saved with {@link #save}: weights, optimizer moments, step and dropout state. */
    public static Trainer resume(Path directory, TrainerSettings settings) throws IOException {
        Gpt model = GptCheckpoint.load(directory);
        Trainer trainer = new Trainer(model, settings);
        Path state = directory.resolve(OPTIMIZER_FILE);
        trainer.optimizer.load(state);
        Map<String, String> meta = SafeTensors.readMetadata(state);
        model.setDropoutState(Long.parseLong(meta.getOrDefault("dropout_seed", "0")),
                Long.parseLong(meta.getOrDefault("dropout_passes", "0")));
        return trainer;
    }

    public Gpt model() {
        return model;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** Updates taken so far (the index of the next one). */
    public long stepCount() {
        return optimizer.step();
    }

    public StepResult step(Batch batch) {
        return step(List.of(batch));
    }

    /** One update from {@code microBatches} (gradient accumulation over all of them). */
    public StepResult step(List<Batch> microBatches) {
        if (microBatches.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one batch");
        }
        long start = System.nanoTime();
        model.setTraining(true);
        model.zeroGrad();
        float scale = 1f / microBatches.size();
        double loss = 0;
        int tokens = 0;
        for (Batch batch : microBatches) {
            loss += model.loss(batch);
            model.backward(scale);
            tokens += batch.tokens();
        }
        long index = optimizer.step();
        float rate = settings.schedule().at(index);
        double norm = optimizer.clipAndUpdate(rate, settings.maxGradNorm());
        return new StepResult(index, (float) (loss * scale), norm, rate, tokens, System.nanoTime() - start);
    }

    /** Mean loss over {@code batches} in evaluation mode (no dropout, no gradients). */
    public float evaluate(Iterable<Batch> batches) {
        return evaluate(model, batches);
    }

    public static float evaluate(Gpt model, Iterable<Batch> batches) {
        boolean wasTraining = model.isTraining();
        model.setTraining(false);
        double sum = 0;
        int count = 0;
        for (Batch batch : batches) {
            sum += model.loss(batch);
            count++;
        }
        model.setTraining(wasTraining);
        return count == 0 ? Float.NaN : (float) (sum / count);
    }

    /** Writes the model (Hugging Face layout) and {@value #OPTIMIZER_FILE} into {@code directory}. */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        GptCheckpoint.save(model, directory);
        SafeTensors.write(directory.resolve(OPTIMIZER_FILE), optimizer.stateTensors(), Map.of(
                "step", Long.toString(optimizer.step()),
                "optimizer", "adamw",
                "dropout_seed", Long.toString(model.dropoutSeed()),
                "dropout_passes", Long.toString(model.dropoutPasses())));
    }
}
