package dev.rlhfloop.cli;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code llm generate --model DIR (--tokens IDS | --prompt TEXT) [--max-new-tokens N] [--temperature T]
 * [--top-k K] [--top-p P] [--seed S] [--weights fp32|bf16|int8] [--format text|ids]}: with {@code --format ids} prints the
 * prompt and new ids as one JSON array; with text (the default) streams the decoded text.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a continuation, streamed as text or printed as a JSON array of ids.")
public final class GenerateCommand extends ModelCommand {

    enum Format { text, ids }

    static final class Input {
        @Option(names = "--tokens", paramLabel = "IDS", description = "Prompt token ids, e.g. 1,2,3.")
        String tokens;

        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (needs the model directory's tokenizer.json).")
        String prompt;
    }

    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--max-new-tokens", defaultValue = "50", paramLabel = "N", description = "Tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Sample among the K likeliest tokens; 0 = all (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass; 1 = off (default ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stop-token", paramLabel = "ID", description = "Stop after this token (default: end-of-text with --prompt, none with --tokens).")
    Integer stopToken;

    @Option(names = "--weights", defaultValue = "fp32", paramLabel = "FORMAT",
            description = "How generation reads the weights: fp32, bf16 (half the bytes: faster, perplexity within 0.5%%) "
                    + "or int8 (default ${DEFAULT-VALUE}; see docs/engine.md).")
    String weights;

    @Option(names = "--format", defaultValue = "text", description = "text (streamed) or ids (JSON array of prompt + new ids); default ${DEFAULT-VALUE}.")
    Format format;

    @Override
    void run(PrintWriter out) throws IOException {
        WeightFormat weightFormat;
        try {
            weightFormat = WeightFormat.parse(weights);
        } catch (IllegalArgumentException e) {
            throw new UserError("--weights: " + e.getMessage());
        }
        Tokenizer tokenizer = input.prompt != null || format == Format.text ? model.tokenizer() : null;
        int[] prompt = input.prompt != null ? tokenizer.encode(input.prompt) : ModelOptions.parseIds(input.tokens, "--tokens");
        Gpt gpt = model.load();
        gpt.packForInference(weightFormat);
        ModelOptions.checkIds(prompt, gpt.config().vocabSize(), input.prompt != null ? "--prompt" : "--tokens");
        int stop = stopToken != null ? stopToken : input.prompt != null ? tokenizer.endOfTextId() : -1;
        SamplingSettings settings = new SamplingSettings(temperature, topK, topP, maxNewTokens, seed, stop);
        Generator generator = new Generator(gpt);
        if (format == Format.ids) {
            Generation generation = generator.generate(prompt, settings);
            out.println(Arrays.stream(generation.tokens()).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
            return;
        }
        List<Integer> generated = new ArrayList<>();
        int[] printed = {0};
        generator.generate(prompt, settings, (token, logProbability) -> {
            if (token == stop) {
                return true;
            }
            generated.add(token);
            String text = tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
            // Hold back a trailing partial UTF-8 character until its remaining bytes arrive.
            int end = text.endsWith("\uFFFD") ? text.length() - 1 : text.length();
            if (end > printed[0]) {
                out.print(text.substring(printed[0], end));
                out.flush();
                printed[0] = end;
            }
            return true;
        });
        String text = tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
        if (text.length() > printed[0]) {
            out.print(text.substring(printed[0]));
        }
        out.println();
    }
}
