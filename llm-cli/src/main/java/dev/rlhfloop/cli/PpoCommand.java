package dev.rlhfloop.cli;

import dev.rlhfloop.llm.rlhf.Ppo;
import dev.rlhfloop.llm.rlhf.PpoSettings;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import picocli.CommandLine.Command;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code llm ppo --model DIR --reward-model DIR --prompts FILE --out DIR [...]}: PPO of the model
 * against a reward model, offline, with a critic initialised from the reward model and the KL
 * penalty to the model as it was given.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true,
        description = "PPO of a model against a reward model on a file of prompts (value head, GAE, clipped ratio, per-token KL penalty), "
                + "with progress and a table of every step's metrics.")
public final class PpoCommand extends OnPolicyCommand {

    @Override
    Function<List<int[]>, Map<String, Double>> algorithm(OnPolicyOptions.Setup setup) {
        PpoSettings settings = UpdateSettings.defaults().ppoSettings(setup.maxNewTokens(), options.seed).with(s -> {
            if (options.samples != null) s.samples = options.samples;
            if (options.learningRate != null) s.learningRate = s.valueLearningRate = options.learningRate;
            if (options.beta != null) s.klCoefficient = options.beta;
            if (options.epochs != null) s.epochs = options.epochs;
            if (options.clip != null) s.clipRange = options.clip;
        });
        Ppo ppo = Ppo.against(setup.policy(), setup.reference(), setup.rewardModel(), settings, setup.endOfText());
        return prompts -> {
            Ppo.Metrics m = ppo.step(prompts);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("reward", m.reward());
            row.put("kl", m.kl());
            row.put("length", m.responseLength());
            row.put("policyLoss", m.policyLoss());
            row.put("valueLoss", m.valueLoss());
            row.put("clipped", m.clipFraction());
            return row;
        };
    }
}
