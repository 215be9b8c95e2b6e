package dev.rlhfloop.llm.model;

import java.util.List;

/**
 * Low-rank adapters (LoRA, the book's appendix E): each adapted projection {@code W [in, out]}
 * computes {@code x·W + (alpha/rank)·(x·Aᵀ)·Bᵀ} with {@code A [rank, in]} and {@code B [out, rank]}
 * trained and W frozen. {@code modules} names GPT-2's projections as PEFT's {@code target_modules}
 * do: {@code c_attn} (query, key, value), {@code c_proj} (both the attention output and the MLP
 * output projection), {@code c_fc} (the MLP's first layer). {@code layers} lists the adapted
 * blocks; empty means all.
 */
public record LoraSettings(int rank, float alpha, List<String> modules, List<Integer> layers) {

    public static final List<String> ALL_MODULES = List.of("c_attn", "c_proj", "c_fc");

    public LoraSettings {
        if (rank <= 0 || !(alpha > 0)) {
            throw new IllegalArgumentException("LoRA needs rank > 0 and alpha > 0 (got " + rank + ", " + alpha + ")");
        }
        modules = List.copyOf(modules);
        layers = List.copyOf(layers);
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one module of " + ALL_MODULES);
        }
        for (String module : modules) {
            if (!ALL_MODULES.contains(module)) {
                throw new IllegalArgumentException("unknown LoRA module '" + module + "': expected some of " + ALL_MODULES);
            }
        }
    }

    /** The book's appendix E: every projection of every block, alpha equal to the rank (scaling 1). */
    public static LoraSettings of(int rank) {
        return new LoraSettings(rank, rank, ALL_MODULES, List.of());
    }

    public LoraSettings withAlpha(float a) {
        return new LoraSettings(rank, a, modules, layers);
    }

    public LoraSettings withModules(List<String> m) {
        return new LoraSettings(rank, alpha, m, layers);
    }

    public LoraSettings withLayers(List<Integer> l) {
        return new LoraSettings(rank, alpha, modules, l);
    }

    public float scaling() {
        return alpha / rank;
    }

    boolean adapts(int layer) {
        return layers.isEmpty() || layers.contains(layer);
    }
}
