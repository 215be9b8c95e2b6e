package dev.rlhfloop.cli;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code llm rloo --model DIR --data FILE --out DIR [--reward-model DIR]}: RLOO of the model on the
 * file's prompts against a reward model (given, or trained first on the file's pairs, as the loop does).
 */
@Command(name = "rloo", mixinStandardHelpOptions = true,
        description = "RLOO of a model on a preference file's prompts against a reward model (--reward-model, or one trained first on "
                + "the pairs), KL penalty to a frozen copy of the model, with the live loop's settings unless told otherwise; prints "
                + "the mean reward of samples before and after, KL and loss.")
public final class RlooCommand extends PreferenceCommand {

    @Option(names = "--reward-model", paramLabel = "DIR", description = "A reward model from `llm reward-model` (default: train one on the pairs first).")
    Path rewardModel;

    @Option(names = "--steps", paramLabel = "N", description = "RLOO steps (default: the loop's, 4).")
    Integer steps;

    @Option(names = "--samples", paramLabel = "K", description = "Answers sampled per prompt, k >= 2 (default: the loop's, 4).")
    Integer samples;

    @Option(names = "--prompts-per-step", paramLabel = "N", description = "Distinct prompts per step (default: the loop's, 8).")
    Integer promptsPerStep;

    @Option(names = "--beta", paramLabel = "B", description = "KL coefficient (default: the loop's, 0.05).")
    Double beta;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "AdamW learning rate (default: the loop's, 1e-4).")
    Float learningRate;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Longest sampled answer (default: the loop's, 32).")
    Integer maxNewTokens;

    @Mixin
    PolicyOptions policy;

    @Override
    UpdateSettings settings() {
        return super.settings().with(s -> {
            s.algorithm = PolicyAlgorithm.RLOO;
            if (steps != null) s.rloo.steps = steps;
            if (samples != null) s.rloo.samples = samples;
            if (promptsPerStep != null) s.rloo.promptsPerStep = promptsPerStep;
            if (beta != null) s.rloo.beta = beta;
            if (learningRate != null) s.rloo.learningRate = learningRate;
            if (maxNewTokens != null) s.rloo.maxNewTokens = maxNewTokens;
            if (policy.loraRank != null) s.loraRank = policy.loraRank;
        });
    }

    @Override
    void run(Gpt base, Tokenizer tokenizer, PolicyUpdate update, PolicyUpdate.Split pairs, UpdateProgress progress, PrintWriter out)
            throws IOException {
        Map<String, Double> metrics = new LinkedHashMap<>();
        RewardModel scorer;
        if (rewardModel != null) {
            scorer = RewardModel.load(rewardModel);
            if (!scorer.backbone().config().equals(base.config())) {
                throw new IllegalArgumentException(rewardModel + ": the reward model's shape differs from the model's");
            }
        } else {
            scorer = update.newRewardModel(base, seed);
            metrics.putAll(update.trainRewardModel(scorer, pairs, tokenizer.endOfTextId(), seed, progress));
        }
        metrics.putAll(trainPolicy(base, tokenizer, update, pairs, scorer, progress, out));
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("rewardAccuracy", "held-out reward accuracy (reward model)");
        rows.put("rewardMargin", "held-out reward margin (reward model)");
        rows.put("rewardBefore", "mean reward of samples, first step");
        rows.put("reward", "mean reward of samples, last step");
        rows.put("kl", "KL to the reference (last step)");
        rows.put("totalReward", "reward - beta * KL (last step)");
        rows.put("responseLength", "answer tokens (last step)");
        rows.put("rlooLoss", "loss (last step)");
        rows.put("sftMixLoss", "SFT mix: mean SFT loss of its steps");
        table(out, metrics, rows);
    }
}
