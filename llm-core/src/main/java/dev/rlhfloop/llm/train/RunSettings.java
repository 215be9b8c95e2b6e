package dev.rlhfloop.llm.train;

import java.util.function.Consumer;

/**
 * How long and how a training run goes, shared by pretraining and fine-tuning. The run lasts
 * {@code steps} optimizer steps, or {@code epochs} passes over the data when {@code steps} is 0 (a
 * fraction of an epoch is that share of its batches, rounded).
 * The learning rate warms up over {@code warmupSteps} and decays along a cosine to a tenth of
 * {@code learningRate}. Every {@code evalEvery} steps (and at each epoch's end and the last step)
 * the loss is measured on {@code evalBatches} batches of training and validation data; every
 * {@code sampleEvery} steps a greedy sample is generated; every {@code checkpointEvery} steps (and
 * at the end) the model directory gets a resumable checkpoint. 0 turns a periodic action off.
 */
public record RunSettings(int steps, double epochs, int batchSize, float learningRate, int warmupSteps, float weightDecay,
                          double maxGradNorm, float dropout, long seed, int evalEvery, int evalBatches, int sampleEvery,
                          int checkpointEvery) {

    public RunSettings {
        if (steps < 0 || epochs < 0 || steps == 0 && epochs == 0) {
            throw new IllegalArgumentException("give a positive number of steps or epochs (got steps " + steps + ", epochs " + epochs + ")");
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!(learningRate > 0) || warmupSteps < 0 || !(weightDecay >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("need learning rate > 0, warmup >= 0, weight decay >= 0, gradient-norm ceiling >= 0");
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (evalEvery < 0 || evalBatches <= 0 || sampleEvery < 0 || checkpointEvery < 0) {
            throw new IllegalArgumentException("intervals must not be negative and evalBatches must be positive");
        }
    }

    /**
     * Pretraining defaults, measured on {@code nano} and the built-in corpus (docs/training.md):
     * 560 steps of 8 windows (about 1.15 M tokens) at a peak of 3e-3 after 40 warmup steps.
     */
    public static RunSettings pretraining() {
        return new RunSettings(560, 0, 8, 3e-3f, 40, 0.1f, 1.0, 0f, 1, 80, 8, 160, 80);
    }

    /**
     * Fine-tuning defaults, measured with the pretraining defaults (docs/training.md): one epoch
     * and a half of 8 examples per step at a peak of 2e-4 after 20 warmup steps. A gentle rate
     * keeps what pretraining stored (at 1e-3 the model forgot a third of the held-out facts it
     * answers at 2.5e-4), and the half epoch more gives the other tasks the steps they need.
     */
    public static RunSettings finetuning() {
        return new RunSettings(0, 1.5, 8, 2e-4f, 20, 0.1f, 1.0, 0f, 1, 150, 8, 150, 150);
    }

    /** Total optimizer steps for data with {@code batchesPerEpoch} full batches per epoch. */
    public long totalSteps(int batchesPerEpoch) {
        return steps > 0 ? steps : Math.max(1, Math.round(epochs * batchesPerEpoch));
    }

    /** Warmup, then cosine decay to a tenth of the peak at {@code totalSteps}; AdamW with nanoGPT's betas. */
    public TrainerSettings trainerSettings(long totalSteps) {
        int total = (int) Math.min(Integer.MAX_VALUE, totalSteps);
        int warmup = Math.min(warmupSteps, total);
        return new TrainerSettings(new LearningRateSchedule(learningRate, learningRate / 10, warmup, total),
                new AdamWSettings(0.9f, 0.95f, 1e-8f, weightDecay), maxGradNorm);
    }

    /** A run of {@code n} steps ({@code n} 0: of the epochs). */
    public RunSettings withSteps(int n) {
        return with(s -> {
            s.steps = n;
            s.epochs = n > 0 ? 0 : s.epochs;
        });
    }

    /** A run of {@code n} epochs, however many steps they take. */
    public RunSettings withEpochs(double n) {
        return with(s -> {
            s.steps = 0;
            s.epochs = n;
        });
    }

    /** Evaluate every {@code evalSteps} on {@code batches} batches, sample every {@code sampleSteps}, checkpoint every {@code checkpointSteps}. */
    public RunSettings withIntervals(int evalSteps, int batches, int sampleSteps, int checkpointSteps) {
        return with(s -> {
            s.evalEvery = evalSteps;
            s.evalBatches = batches;
            s.sampleEvery = sampleSteps;
            s.checkpointEvery = checkpointSteps;
        });
    }

    /**
     * A copy with some values changed and checked again: {@code settings.with(s -> s.batchSize = 4)}, what
     * JEP 468 will write {@code settings with { batchSize = 4; }}. The length of the run goes through
     * {@link #withSteps} and {@link #withEpochs}, which keep its either-or.
     */
    public RunSettings with(Consumer<Draft> change) {
        Draft draft = new Draft(this);
        change.accept(draft);
        return draft.settings();
    }

    /** The values of a {@link RunSettings} as variables to change. */
    public static final class Draft {
        public int steps, batchSize, warmupSteps, evalEvery, evalBatches, sampleEvery, checkpointEvery;
        public double epochs;
        public float learningRate, weightDecay, dropout;
        public double maxGradNorm;
        public long seed;

        private Draft(RunSettings from) {
            steps = from.steps; epochs = from.epochs; batchSize = from.batchSize; warmupSteps = from.warmupSteps;
            evalEvery = from.evalEvery; evalBatches = from.evalBatches; sampleEvery = from.sampleEvery;
            checkpointEvery = from.checkpointEvery;
            learningRate = from.learningRate; weightDecay = from.weightDecay; dropout = from.dropout;
            maxGradNorm = from.maxGradNorm;
            seed = from.seed;
        }

        private RunSettings settings() {
            return new RunSettings(steps, epochs, batchSize, learningRate, warmupSteps, weightDecay, maxGradNorm, dropout, seed,
                    evalEvery, evalBatches, sampleEvery, checkpointEvery);
        }
    }
}
