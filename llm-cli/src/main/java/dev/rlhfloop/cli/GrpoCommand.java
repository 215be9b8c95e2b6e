package dev.rlhfloop.cli;

import dev.rlhfloop.llm.rlhf.Grpo;
import dev.rlhfloop.llm.rlhf.GrpoSettings;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.rlhf.Rloo;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code llm grpo --model DIR --reward-model DIR --prompts FILE --out DIR [...]}: GRPO of the model
 * against a reward model, offline: groups of answers per prompt, advantages relative to the group,
 * KL to the model as it was given.
 */
@Command(name = "grpo", mixinStandardHelpOptions = true,
        description = "GRPO of a model against a reward model on a file of prompts (group-relative advantages, clipped ratio, "
                + "KL to the reference, no critic), with progress and a table of every step's metrics.")
public final class GrpoCommand extends OnPolicyCommand {

    @Override
    Function<List<int[]>, Map<String, Double>> algorithm(OnPolicyOptions.Setup setup) {
        GrpoSettings settings = UpdateSettings.defaults().grpoSettings(setup.maxNewTokens(), options.seed).with(s -> {
            if (options.samples != null) s.samples = options.samples;
            if (options.learningRate != null) s.learningRate = options.learningRate;
            if (options.beta != null) s.klCoefficient = options.beta;
            if (options.epochs != null) s.epochs = options.epochs;
            if (options.clip != null) s.clipRange = options.clip;
        });
        Grpo grpo = new Grpo(setup.policy(), setup.reference(), Rloo.Reward.of(setup.rewardModel()), settings, setup.endOfText());
        return prompts -> {
            Grpo.Metrics m = grpo.step(prompts);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("reward", m.reward());
            row.put("groupStd", m.rewardStd());
            row.put("kl", m.kl());
            row.put("length", m.responseLength());
            row.put("loss", m.loss());
            row.put("clipped", m.clipFraction());
            return row;
        };
    }
}
