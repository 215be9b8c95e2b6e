package dev.rlhfloop.cli;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.tokenizer.TokenizerFormatException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The {@code --model DIR} option shared by the model verbs, and parsing of token-id lists. */
final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory in the Hugging Face GPT-2 layout (config.json + model.safetensors).")
    Path directory;

    Gpt load() throws IOException {
        return GptCheckpoint.load(directory);
    }

    /**
     * The tokenizer stored beside the model, for text input and output: {@code tokenizer.json}, or
     * a Hugging Face GPT-2 directory's {@code vocab.json} + {@code merges.txt}.
     */
    Tokenizer tokenizer() throws IOException {
        if (Files.isRegularFile(directory.resolve("tokenizer.json"))) {
            return TokenizerFiles.readHuggingFace(directory.resolve("tokenizer.json"));
        }
        try {
            return TokenizerFiles.load(directory.toString());
        } catch (TokenizerFormatException e) {
            throw new IOException(e.getMessage() + ": pass token ids with --tokens instead", e);
        }
    }

    /** Ids separated by commas and/or whitespace, e.g. {@code 1,2,3}; {@code source} names where they came from. */
    static int[] parseIds(String text, String source) {
        String[] parts = text.trim().split("[,\\s]+");
        if (parts.length == 1 && parts[0].isEmpty()) {
            throw new IllegalArgumentException(source + ": no token ids");
        }
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": '" + parts[i] + "' (item " + (i + 1) + ") is not a token id");
            }
        }
        return ids;
    }

    static void checkIds(int[] ids, int vocabSize, String source) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException(source + ": token id " + ids[i] + " (item " + (i + 1)
                        + ") is outside the model's vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    static String preview(int[] ids) {
        return ids.length <= 8 ? Arrays.toString(ids) : Arrays.toString(Arrays.copyOf(ids, 8)) + "...";
    }
}
