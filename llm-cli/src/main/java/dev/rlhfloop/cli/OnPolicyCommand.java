package dev.rlhfloop.cli;

import dev.rlhfloop.llm.rlhf.SftMixer;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A verb that samples from the policy and learns from a reward model's scores ({@code ppo}, {@code grpo}): the options and the run
 * are shared, and so is the SFT mix after every step (column {@code sftLoss}: its loss before its step).
 */
abstract class OnPolicyCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    OnPolicyOptions options;

    @Mixin
    SftMixOptions sftMix;

    /** One step of the algorithm on a batch of prompts, returning the step's metrics for the table (with "reward" and "kl"). */
    abstract Function<List<int[]>, Map<String, Double>> algorithm(OnPolicyOptions.Setup setup);

    @Override
    final void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        OnPolicyOptions.Setup setup = options.load(model, err);
        Function<List<int[]>, Map<String, Double>> step = algorithm(setup);
        SftMixer mixer = sftMix.mixer(model.tokenizer(), setup.policy().config().contextLength(), options.seed);
        Function<List<int[]>, Map<String, Double>> mixed = mixer == null ? step : prompts -> {
            Map<String, Double> row = new LinkedHashMap<>(step.apply(prompts));
            row.put("sftLoss", (double) mixer.step(setup.policy()));
            return row;
        };
        options.run(spec.name(), setup, model, mixed, out, err);
    }
}
