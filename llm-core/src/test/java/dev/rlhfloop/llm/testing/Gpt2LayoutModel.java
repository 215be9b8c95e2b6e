package dev.rlhfloop.llm.testing;

import dev.rlhfloop.llm.data.builtin.TokenizerTexts;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model directory as Hugging Face ships GPT-2 ({@code config.json} with the pretraining dropout,
 * {@code model.safetensors}, and the tokenizer as {@code vocab.json} + {@code merges.txt}, no
 * {@code tokenizer.json}), at a shape small enough for a test: randomly initialised weights and a
 * byte-level BPE vocabulary trained here on English text.
 */
public final class Gpt2LayoutModel {

    private Gpt2LayoutModel() {}

    /** {@code shape}'s vocabulary size is the tokenizer's to reach (at least 257 + merges). */
    public static BpeTokenizer write(Path directory, GptConfig shape, long seed) throws IOException {
        BpeTokenizer tokenizer = BpeTrainer.train(TokenizerTexts.english(20_000, seed), shape.vocabSize() - 1);
        GptConfig config = shape.withVocabSize(tokenizer.vocabSize()).withDropout(0.1f);
        GptCheckpoint.save(Gpt.create(config, seed), directory);
        TokenizerFiles.writeVocabAndMerges(tokenizer, directory);
        return tokenizer;
    }
}
