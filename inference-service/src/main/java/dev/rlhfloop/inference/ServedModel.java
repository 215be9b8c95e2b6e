package dev.rlhfloop.inference;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;

/** One loaded model version: immutable, so streams in flight keep using it after a newer one is swapped in. */
public record ServedModel(String versionId, Gpt gpt, Tokenizer tokenizer) {

    /**
     * Loads a model directory (config.json, model.safetensors, and its tokenizer: tokenizer.json, as
     * every published version has, or a Hugging Face GPT-2 directory's vocab.json + merges.txt).
     */
    public static ServedModel load(String versionId, Path directory) throws IOException {
        return load(versionId, directory, WeightFormat.FP32);
    }

    /** As {@link #load(String, Path)}, generating from a copy of the weights packed in {@code weights}. */
    public static ServedModel load(String versionId, Path directory, WeightFormat weights) throws IOException {
        Tokenizer tokenizer = TokenizerFiles.load(directory.toString());
        Gpt gpt = GptCheckpoint.load(directory);
        if (tokenizer.vocabSize() > gpt.config().vocabSize()) {
            throw new IOException(directory + ": the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the model only " + gpt.config().vocabSize());
        }
        gpt.packForInference(weights);
        return new ServedModel(versionId, gpt, tokenizer);
    }

    /**
     * A LoRA version: the adapter in {@code directory} (PEFT's files) over {@code base}'s weights,
     * which it shares rather than copies (and the base's packed inference copy), with the base's tokenizer. Loading it reads kilobytes to
     * megabytes; the base is not read again.
     */
    public static ServedModel adapter(String versionId, ServedModel base, Path directory) throws IOException {
        Gpt gpt = base.gpt().sharingWeights();
        PeftAdapter.load(gpt, directory);
        return new ServedModel(versionId, gpt, base.tokenizer());
    }
}
