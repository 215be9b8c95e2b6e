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
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code llm dpo --model DIR --data FILE --out DIR}: DPO of the model against itself as the frozen reference. */
@Command(name = "dpo", mixinStandardHelpOptions = true,
        description = "DPO of a model on a preference file against a frozen copy of itself, with the live loop's settings unless told "
                + "otherwise; prints the held-out implicit-reward accuracy and margin, KL to the reference and the loss before and after.")
public final class DpoCommand extends PreferenceCommand {

    @Option(names = "--beta", paramLabel = "B", description = "DPO's beta (default: the loop's, 0.1).")
    Double beta;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "AdamW learning rate (default: the loop's, 1e-4).")
    Float learningRate;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the pairs (default: the loop's, 2).")
    Integer epochs;

    @Option(names = "--online-samples", paramLabel = "K",
            description = "RM-labelled online pairs: after DPO on the file's pairs, K answers per prompt from the policy, the reward model "
                    + "(trained on the pairs first) picks the best and the worst, and DPO trains on those (default: the loop's; 0 = off).")
    Integer onlineSamples;

    @Option(names = "--online-weight", paramLabel = "W", description = "The online pairs' learning rate as a multiple of DPO's (default: the loop's).")
    Double onlineWeight;

    @Mixin
    PolicyOptions policy;

    @Override
    UpdateSettings settings() {
        return super.settings().with(s -> {
            s.algorithm = PolicyAlgorithm.DPO;
            if (beta != null) s.dpo.beta = beta;
            if (learningRate != null) s.dpo.learningRate = learningRate;
            if (epochs != null) s.dpo.epochs = epochs;
            if (onlineSamples != null) s.online.samples = onlineSamples;
            if (onlineWeight != null) s.online.weight = onlineWeight;
            if (policy.loraRank != null) s.loraRank = policy.loraRank;
        });
    }

    @Override
    void run(Gpt base, Tokenizer tokenizer, PolicyUpdate update, PolicyUpdate.Split pairs, UpdateProgress progress, PrintWriter out)
            throws IOException {
        Map<String, Double> metrics = new LinkedHashMap<>();
        RewardModel scorer = null;
        if (update.settings().online().enabled()) {
            // the online pairs' labels come from a reward model trained on the file's pairs, as in the loop
            scorer = update.newRewardModel(base, seed);
            metrics.putAll(update.trainRewardModel(scorer, pairs, tokenizer.endOfTextId(), seed, progress));
        }
        metrics.putAll(trainPolicy(base, tokenizer, update, pairs, scorer, progress, out));
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("accuracy", "held-out reward accuracy (chosen above rejected)");
        rows.put("margin", "held-out reward margin");
        rows.put("chosenReward", "held-out chosen reward");
        rows.put("rejectedReward", "held-out rejected reward");
        rows.put("kl", "KL to the reference (held out)");
        rows.put("dpoLossBefore", "held-out loss, before");
        rows.put("dpoLoss", "held-out loss");
        rows.put("dpoTrainLoss", "train loss (last epoch)");
        rows.put("rewardAccuracy", "held-out reward accuracy (reward model, for the online pairs)");
        rows.put("onlinePairs", "online pairs (best vs worst by the reward model)");
        rows.put("onlineRewardGap", "online pairs' mean reward gap");
        rows.put("onlineDpoLoss", "online pairs' train loss (last epoch)");
        rows.put("sftMixLoss", "SFT mix: mean SFT loss of its steps");
        table(out, metrics, rows);
    }
}
