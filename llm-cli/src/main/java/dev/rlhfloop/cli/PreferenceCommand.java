package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.PreferenceData;
import dev.rlhfloop.llm.data.PreferenceExample;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.rlhf.PolicyUpdate;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The offline preference verbs ({@code reward-model}, {@code dpo}, {@code rloo}): the live loop's
 * {@link PolicyUpdate} on a preference file, with the same defaults ({@link UpdateSettings#defaults()})
 * unless an option says otherwise. Every {@code --hold-out-every}-th pair is held out to measure the
 * result; a progress bar on stderr, a metrics table on stdout.
 */
abstract class PreferenceCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Preference pairs: the book's JSON ({instruction, input, chosen, rejected}) or JSON Lines, or TRL's {prompt, chosen, rejected}.")
    Path data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the trained model goes (with the tokenizer).")
    Path out;

    @Option(names = "--batch-size", paramLabel = "N", description = "Pairs per step (default: the loop's, 8).")
    Integer batchSize;

    @Option(names = "--hold-out-every", paramLabel = "K", description = "Hold out every K-th pair to measure on (default: the loop's, 5; 0 = none).")
    Integer holdOutEvery;

    @Option(names = "--max-pairs", paramLabel = "N", description = "Use only the file's first N pairs.")
    Integer maxPairs;

    @Mixin
    SftMixOptions sftMix;

    @Option(names = "--seed", defaultValue = "123", paramLabel = "S", description = "Seeds shuffling, heads, adapters and samples (default ${DEFAULT-VALUE}).")
    long seed;

    /** The settings this verb's options ask for, over the shared defaults. */
    UpdateSettings settings() {
        return UpdateSettings.defaults().with(s -> {
            if (batchSize != null) s.batchSize = batchSize;
            if (holdOutEvery != null) s.reward.holdOutEvery = holdOutEvery;
            s.sftMix.learningRate = sftMix.settings().learningRate();
        });
    }

    abstract void run(Gpt base, Tokenizer tokenizer, PolicyUpdate update, PolicyUpdate.Split pairs, UpdateProgress progress,
                      PrintWriter out) throws IOException;

    @Override
    final void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        Tokenizer tokenizer = model.tokenizer();
        Gpt base = model.load();
        if (base.lora() != null) base.mergeLora(); // an adapted model is its merged function: the base of this update
        List<TokenizedPreference> pairs = pairs(tokenizer, base);
        UpdateSettings settings = settings();
        PolicyUpdate update = new PolicyUpdate(settings, settings.sftMix().enabled() ? sftMix.examples(tokenizer) : List.of());
        PolicyUpdate.Split split = update.split(pairs);
        if (split.train().isEmpty()) throw new IllegalArgumentException(data + ": no pair left to train on");
        err.printf(Locale.ROOT, "data: %s, %d pairs: %d train / %d held out%n", data, pairs.size(), split.train().size(), split.heldOut().size());
        err.println("settings: " + settings);
        run(base, tokenizer, update, split, new UpdateProgress(err), out);
    }

    private List<TokenizedPreference> pairs(Tokenizer tokenizer, Gpt base) throws IOException {
        List<PreferenceExample> examples = PreferenceData.read(data);
        if (maxPairs != null) examples = examples.subList(0, Math.min(maxPairs, examples.size()));
        List<TokenizedPreference> pairs = new ArrayList<>();
        int eot = tokenizer.endOfTextId();
        for (PreferenceExample example : examples) {
            TokenizedPreference pair = TokenizedPreference.from(PreferenceData.encode(example, tokenizer), eot);
            TokenizedPreference fit = PolicyUpdate.fit(pair.prompt(), pair.chosen(), pair.rejected(), base.config().contextLength(),
                    base.config().vocabSize());
            if (fit != null) pairs.add(fit);
        }
        if (pairs.isEmpty()) throw new IllegalArgumentException(data + ": no usable pair (all empty, identical or unknown to the tokenizer)");
        return pairs;
    }

    /**
     * Trains a policy from {@code base} (its frozen reference) by the update's algorithm on the
     * training pairs, measuring on the held-out ones, and saves it: a whole model, or the base with
     * its adapter beside it in PEFT's layout. {@code scorer} is the reward model RLOO follows (null for DPO).
     */
    Map<String, Double> trainPolicy(Gpt base, Tokenizer tokenizer, PolicyUpdate update, PolicyUpdate.Split pairs, RewardModel scorer,
                                    UpdateProgress progress, PrintWriter out) throws IOException {
        Gpt policy = update.newPolicy(base, seed);
        Map<String, Double> metrics = update.updatePolicy(policy, base, scorer, pairs.train(), pairs.heldOut(), tokenizer.endOfTextId(), seed,
                progress.named(update.algorithm().name().toLowerCase(Locale.ROOT)));
        GptCheckpoint.save(policy, this.out);
        copyTokenizer();
        out.println("saved " + (policy.lora() != null ? "the base and its LoRA adapter (PEFT files)" : "the model") + " in " + this.out);
        return metrics;
    }

    void copyTokenizer() throws IOException {
        Files.copy(model.directory.resolve("tokenizer.json"), out.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** A two-column Markdown table of the metrics that were measured, in the order given (name → label). */
    static void table(PrintWriter out, Map<String, Double> metrics, Map<String, String> rows) {
        out.println("| metric | value |");
        out.println("| --- | ---: |");
        rows.forEach((key, label) -> {
            Double value = metrics.get(key);
            if (value != null) out.printf(Locale.ROOT, "| %s | %.4f |%n", label, value);
        });
    }
}
