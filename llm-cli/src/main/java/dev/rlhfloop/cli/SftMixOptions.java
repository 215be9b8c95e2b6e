package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.rlhf.SftMixer;
import dev.rlhfloop.llm.rlhf.UpdateSettings;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The SFT mix of a preference or policy verb (llm-core's {@link SftMixer}, on by default as in the
 * live loop): after every policy step, a step on the SFT loss of instruction examples.
 */
final class SftMixOptions {

    @Option(names = "--sft-mix", paramLabel = "LR",
            description = "After every policy step, a step at learning rate LR on the SFT loss of instruction examples, to keep what SFT taught (default: the loop's; 0 = off).")
    Float learningRate;

    @Option(names = "--sft-data", paramLabel = "FILE",
            description = "Instruction data the SFT mix draws from: the book's JSON or JSON Lines, its training split (default: the built-in training tasks but the open ones, as the live loop mixes).")
    Path data;

    /** The shared defaults' SFT mix with the learning rate given. */
    UpdateSettings.SftMix settings() {
        return UpdateSettings.defaults().with(s -> {
            if (learningRate != null) s.sftMix.learningRate = learningRate;
        }).sftMix();
    }

    /** The examples the mix draws from: {@code --sft-data}'s training split, or the built-in ones the trainer mixes ({@link BuiltinData#mixExamples}). */
    List<InstructionLoader.Encoded> examples(Tokenizer tokenizer) throws IOException {
        List<InstructionExample> examples = data != null ? InstructionData.split(InstructionData.read(data)).train()
                : new BuiltinData(BuiltinData.DEFAULT_SEED).mixExamples();
        if (examples.isEmpty()) throw new IllegalArgumentException(data + ": no instruction example to mix in");
        return InstructionLoader.encodeAll(examples, tokenizer);
    }

    /** The mix of a run seeded by {@code seed} on sequences of at most {@code maxLength} tokens; null when it is off. */
    SftMixer mixer(Tokenizer tokenizer, int maxLength, long seed) throws IOException {
        UpdateSettings.SftMix settings = settings();
        return settings.enabled() ? SftMixer.of(settings, examples(tokenizer), tokenizer.endOfTextId(), maxLength, seed) : null;
    }
}
