package dev.rlhfloop.cli;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import picocli.CommandLine.Option;

/**
 * The {@code --tokenizer} option shared by the verbs that turn text into ids and back. {@code gpt2}
 * reads GPT-2's ranks from the class path ({@code r50k_base.tiktoken} in the jtokkit jar, which
 * llm-cli carries at runtime for that file alone).
 */
final class TokenizerOption {

    @Option(names = "--tokenizer", defaultValue = "gpt2", paramLabel = "gpt2|FILE",
            description = "gpt2 (default), or a tokenizer.json, a .tiktoken rank file, a vocab.bpe with encoder.json beside it, or a directory holding them")
    String tokenizer;

    BpeTokenizer load() {
        try {
            return TokenizerFiles.load(tokenizer);
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
    }
}
