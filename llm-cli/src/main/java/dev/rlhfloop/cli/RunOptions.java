package dev.rlhfloop.cli;

import dev.rlhfloop.llm.train.RunSettings;
import picocli.CommandLine.Option;

/** The training-loop options {@code pretrain} and {@code sft} share; unset ones keep the verb's defaults. */
final class RunOptions {

    @Option(names = "--resume", description = "Continue the unfinished run in --out from its last checkpoint, with its saved settings.")
    boolean resume;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (instead of --epochs).")
    Integer steps;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data, 1.5 for one and a half (instead of --steps).")
    Double epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Sequences per step.")
    Integer batch;

    @Option(names = "--lr", paramLabel = "RATE", description = "Peak learning rate (warmup, then cosine decay to a tenth).")
    Float learningRate;

    @Option(names = "--warmup", paramLabel = "N", description = "Warmup steps.")
    Integer warmup;

    @Option(names = "--weight-decay", paramLabel = "W", description = "AdamW weight decay.")
    Float weightDecay;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout rate while training.")
    Float dropout;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the initial weights, data order and dropout.")
    Long seed;

    @Option(names = "--eval-every", paramLabel = "N", description = "Steps between validation-loss measurements (also at each epoch's end); 0 = off.")
    Integer evalEvery;

    @Option(names = "--eval-batches", paramLabel = "N", description = "Batches of training and validation data per measurement.")
    Integer evalBatches;

    @Option(names = "--sample-every", paramLabel = "N", description = "Steps between greedy samples; 0 = off.")
    Integer sampleEvery;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Steps between checkpoints (always one at the end); 0 = only at the end.")
    Integer checkpointEvery;

    RunSettings apply(RunSettings defaults) {
        if (steps != null && epochs != null) {
            throw new IllegalArgumentException("give --steps or --epochs, not both");
        }
        RunSettings lasting = steps != null ? defaults.withSteps(steps) : epochs != null ? defaults.withEpochs(epochs) : defaults;
        return lasting.with(s -> {
            if (batch != null) s.batchSize = batch;
            if (learningRate != null) s.learningRate = learningRate;
            if (warmup != null) s.warmupSteps = warmup;
            if (weightDecay != null) s.weightDecay = weightDecay;
            if (dropout != null) s.dropout = dropout;
            if (seed != null) s.seed = seed;
            if (evalEvery != null) s.evalEvery = evalEvery;
            if (evalBatches != null) s.evalBatches = evalBatches;
            if (sampleEvery != null) s.sampleEvery = sampleEvery;
            if (checkpointEvery != null) s.checkpointEvery = checkpointEvery;
        });
    }
}
