package dev.rlhfloop.cli;

import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** A verb that samples from the policy and learns from a reward model's scores ({@code ppo}, {@code grpo}): the options and the run are shared. */
abstract class OnPolicyCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Mixin
    OnPolicyOptions options;

    /** One step of the algorithm on a batch of prompts, returning the step's metrics for the table (with "reward" and "kl"). */
    abstract Function<List<int[]>, Map<String, Double>> algorithm(OnPolicyOptions.Setup setup);

    @Override
    final void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        OnPolicyOptions.Setup setup = options.load(model, err);
        options.run(spec.name(), setup, model, algorithm(setup), out, err);
    }
}
