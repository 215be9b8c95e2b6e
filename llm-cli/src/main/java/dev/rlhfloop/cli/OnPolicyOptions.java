package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.FeedbackData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * What {@code ppo} and {@code grpo} share: the reward model, the prompts, the output directory and
 * the step loop, which cycles through the prompts {@code --prompts-per-step} at a time, draws a
 * progress line on stderr, saves the policy (with the tokenizer) and prints a metrics table.
 * Unset algorithm options keep the algorithm's defaults.
 */
final class OnPolicyOptions {

    @Option(names = "--reward-model", required = true, paramLabel = "DIR",
            description = "Reward model directory (a GPT-2 checkpoint and score.safetensors, as the trainer writes it).")
    Path rewardModel;

    @Option(names = "--prompts", required = true, paramLabel = "FILE",
            description = "Prompts: JSON list or JSON Lines of {prompt} or {instruction, input} (a preference file will do), or a JSON list of strings.")
    Path prompts;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the trained policy.")
    Path outDir;

    @Option(names = "--steps", defaultValue = "20", paramLabel = "N", description = "Steps, each on a fresh batch of samples (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--prompts-per-step", defaultValue = "8", paramLabel = "N", description = "Prompts per step (default ${DEFAULT-VALUE}).")
    int promptsPerStep;

    @Option(names = "--samples", paramLabel = "K", description = "Answers sampled per prompt.")
    Integer samples;

    @Option(names = "--lr", paramLabel = "RATE", description = "AdamW learning rate of the policy.")
    Float learningRate;

    @Option(names = "--beta", paramLabel = "B", description = "KL coefficient to the reference (the model given with --model).")
    Double beta;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Longest sampled answer (default: 64, at most half the context).")
    Integer maxNewTokens;

    @Option(names = "--seed", defaultValue = "123", paramLabel = "S", description = "Seed of the samples (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--held-out", defaultValue = "0", paramLabel = "N",
            description = "Keep the last N prompts out of training and score one sample of each with the reward model before and after (default ${DEFAULT-VALUE}).")
    int heldOut;

    @Option(names = "--epochs", paramLabel = "N", description = "Optimizer steps over each batch of samples (default: PPO 4, GRPO 1).")
    Integer epochs;

    @Option(names = "--clip", paramLabel = "EPS", description = "Clip range of the probability ratio (default 0.2).")
    Double clip;

    /** The models and prompts a run needs: the policy (trained in place), its frozen reference, the reward model, the encoded prompts. */
    record Setup(Gpt policy, Gpt reference, RewardModel rewardModel, List<int[]> prompts, List<int[]> heldOut, int endOfText,
                 int maxNewTokens) {}

    Setup load(ModelOptions model, PrintWriter err) throws IOException {
        if (steps < 1 || promptsPerStep < 1) {
            throw new IllegalArgumentException("--steps and --prompts-per-step must be at least 1");
        }
        Gpt policy = model.load();
        Tokenizer tokenizer = model.tokenizer();
        RewardModel reward = RewardModel.load(rewardModel);
        if (reward.backbone().config().vocabSize() != policy.config().vocabSize()) {
            throw new IllegalArgumentException(rewardModel + " has a vocabulary of " + reward.backbone().config().vocabSize()
                    + " tokens, the model " + policy.config().vocabSize() + ": it must score the policy's tokens");
        }
        int context = policy.config().contextLength();
        int answerRoom = Math.min(maxNewTokens == null ? 64 : maxNewTokens, context / 2);
        if (answerRoom < 1) {
            throw new IllegalArgumentException("--max-new-tokens must be at least 1");
        }
        List<int[]> encoded = new ArrayList<>();
        for (String prompt : FeedbackData.readPrompts(prompts)) {
            int[] ids = tokenizer.encode(prompt);
            // keep the end of a long prompt, which holds the question and the response header
            int room = context - answerRoom;
            encoded.add(ids.length > room ? Arrays.copyOfRange(ids, ids.length - room, ids.length) : ids);
        }
        if (heldOut < 0 || heldOut >= encoded.size()) {
            throw new IllegalArgumentException("--held-out must leave at least one of the " + encoded.size() + " prompts to train on");
        }
        List<int[]> train = encoded.subList(0, encoded.size() - heldOut);
        err.printf(Locale.ROOT, "policy %s (%,d parameters), reward model %s, %d prompts (%d held out), %d steps of %d prompts%n",
                model.directory, policy.parameters().stream().mapToLong(p -> p.size()).sum(), rewardModel, encoded.size(), heldOut, steps,
                Math.min(promptsPerStep, train.size()));
        return new Setup(policy, policy.copy(), reward, train, encoded.subList(train.size(), encoded.size()), tokenizer.endOfTextId(),
                answerRoom);
    }

    /** Runs {@code step} on cycling prompt batches, then saves the policy and prints the table of every step's metrics. */
    void run(String verb, Setup setup, ModelOptions model, Function<List<int[]>, Map<String, Double>> step, PrintWriter out,
             PrintWriter err) throws IOException {
        List<int[]> prompts = setup.prompts();
        double rewardBefore = heldOutReward(setup);
        int perStep = Math.min(promptsPerStep, prompts.size());
        MetricsTable table = new MetricsTable("step");
        long started = System.nanoTime();
        StepLine progress = new StepLine(err, verb);
        for (int s = 0; s < steps; s++) {
            List<int[]> batch = new ArrayList<>();
            for (int i = 0; i < perStep; i++) {
                batch.add(prompts.get((s * perStep + i) % prompts.size()));
            }
            Map<String, Double> metrics = step.apply(batch);
            table.add(String.valueOf(s + 1), metrics);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            progress.step(s + 1, steps, String.format(Locale.ROOT, "reward %.4f kl %.4f %s ETA %s", metrics.get("reward"),
                    metrics.get("kl"), TrainingProgress.clock(elapsed),
                    TrainingProgress.clock(elapsed.multipliedBy(steps - s - 1).dividedBy(s + 1))));
        }
        GptCheckpoint.save(setup.policy(), outDir, Map.of("kind", verb + "-policy"));
        Files.copy(model.directory.resolve("tokenizer.json"), outDir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        table.print(out);
        if (!setup.heldOut().isEmpty()) {
            out.printf(Locale.ROOT, "held-out prompts: %d, mean reward of one seeded sample each: %.4f before, %.4f after%n",
                    setup.heldOut().size(), rewardBefore, heldOutReward(setup));
        }
        out.printf(Locale.ROOT, "%s: %d steps in %.1f s, policy saved in %s%n", verb, steps, (System.nanoTime() - started) / 1e9, outDir);
    }

    /** The reward model's mean score of one sample (temperature 1, seeded per prompt) to each held-out prompt; NaN without any. */
    private static double heldOutReward(Setup setup) {
        if (setup.heldOut().isEmpty()) {
            return Double.NaN;
        }
        Generator generator = new Generator(setup.policy());
        List<int[]> responses = new ArrayList<>();
        for (int i = 0; i < setup.heldOut().size(); i++) {
            SamplingSettings sampling = new SamplingSettings(1f, 0, 1f, setup.maxNewTokens(), 1_000L + i, setup.endOfText());
            responses.add(generator.generate(setup.heldOut().get(i), sampling).newTokens());
        }
        double sum = 0;
        for (double score : setup.rewardModel().score(setup.heldOut(), responses)) {
            sum += score;
        }
        return sum / responses.size();
    }
}
