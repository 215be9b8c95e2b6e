package dev.rlhfloop.cli;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code llm reward-model --model DIR --data FILE --out DIR}: a Bradley–Terry reward model from the model, as the loop trains one. */
@Command(name = "reward-model", mixinStandardHelpOptions = true,
        description = "Train a reward model (the model's backbone + a scalar head, Bradley-Terry loss) on a preference file, "
                + "with the live loop's settings unless told otherwise; prints held-out reward accuracy and margin.")
public final class RewardModelCommand extends PreferenceCommand {

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the pairs (default: the loop's, 1).")
    Integer epochs;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "AdamW learning rate (default: the loop's, 1e-4).")
    Float learningRate;

    @Override
    UpdateSettings settings() {
        return super.settings().with(s -> {
            if (epochs != null) s.reward.epochs = epochs;
            if (learningRate != null) s.reward.learningRate = learningRate;
        });
    }

    @Override
    void run(Gpt base, Tokenizer tokenizer, PolicyUpdate update, PolicyUpdate.Split pairs, UpdateProgress progress, PrintWriter out)
            throws IOException {
        RewardModel rewardModel = update.newRewardModel(base, seed);
        Map<String, Double> metrics = update.trainRewardModel(rewardModel, pairs, tokenizer.endOfTextId(), seed, progress);
        rewardModel.save(this.out);
        copyTokenizer();
        out.println("saved the reward model in " + this.out);
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("rewardAccuracyBefore", "held-out reward accuracy, before");
        rows.put("rewardAccuracy", "held-out reward accuracy");
        rows.put("rewardMargin", "held-out reward margin");
        rows.put("rewardLoss", "held-out loss");
        rows.put("rewardTrainAccuracy", "train reward accuracy");
        table(out, metrics, rows);
    }
}
