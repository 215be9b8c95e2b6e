package dev.rlhfloop.cli;

import picocli.CommandLine.Option;

/** What every policy verb (dpo, rloo) may change beside its algorithm's own settings. */
final class PolicyOptions {

    @Option(names = "--lora-rank", paramLabel = "R",
            description = "Train a rank-R LoRA adapter over the frozen model (saved in PEFT's layout beside it) instead of every weight.")
    Integer loraRank;
}
