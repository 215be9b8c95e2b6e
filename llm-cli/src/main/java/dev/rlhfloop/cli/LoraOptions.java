package dev.rlhfloop.cli;

import dev.rlhfloop.llm.model.LoraSettings;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The LoRA options of the fine-tuning verbs (sft, classify-train): without {@code --lora-rank} every chosen weight trains. */
final class LoraOptions {

    @Option(names = "--lora-rank", paramLabel = "R", description = "Train rank-R LoRA adapters over the frozen base instead of its weights.")
    Integer rank;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA alpha; the adapter's output is scaled by alpha/rank (default: the rank).")
    Float alpha;

    @Option(names = "--lora-modules", paramLabel = "LIST", split = ",",
            description = "Projections to adapt, PEFT's names: c_attn, c_proj (attention and MLP output), c_fc (default: all three).")
    List<String> modules;

    @Option(names = "--lora-layers", paramLabel = "LIST", split = ",", description = "Blocks to adapt, e.g. 2,3 (default: all).")
    List<Integer> layers;

    @Option(names = "--merge", description = "Save base + adapter merged into one plain GPT-2 checkpoint instead of the PEFT adapter beside the base.")
    boolean merge;

    /** The adapters asked for, or null for none. */
    LoraSettings settings() {
        if (rank == null) {
            if (alpha != null || modules != null || layers != null || merge) {
                throw new IllegalArgumentException("--lora-alpha, --lora-modules, --lora-layers and --merge need --lora-rank");
            }
            return null;
        }
        LoraSettings s = LoraSettings.of(rank);
        if (alpha != null) {
            s = s.withAlpha(alpha);
        }
        if (modules != null) {
            s = s.withModules(modules);
        }
        if (layers != null) {
            s = s.withLayers(new ArrayList<>(layers));
        }
        return s;
    }
}
