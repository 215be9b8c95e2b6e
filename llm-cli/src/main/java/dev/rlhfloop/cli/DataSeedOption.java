package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.builtin.BuiltinData;
import picocli.CommandLine.Option;

/** The {@code --data-seed} option of the verbs that generate the built-in data: pretrain, sft and score. */
final class DataSeedOption {

    @Option(names = "--data-seed", defaultValue = "" + BuiltinData.DEFAULT_SEED, paramLabel = "S",
            description = "Seed of the built-in data (default ${DEFAULT-VALUE}).")
    long seed;

    BuiltinData builtinData() {
        return new BuiltinData(seed);
    }
}
