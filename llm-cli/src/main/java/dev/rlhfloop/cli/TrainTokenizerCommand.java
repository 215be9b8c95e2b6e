package dev.rlhfloop.cli;

import dev.rlhfloop.llm.tokenizer.BpeTokenizer;
import dev.rlhfloop.llm.tokenizer.BpeTrainer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llm train-tokenizer}: learns a byte-level BPE vocabulary from a corpus and saves it as tokenizer.json. */
@Command(name = "train-tokenizer", mixinStandardHelpOptions = true,
        description = "Learns a byte-level BPE vocabulary (GPT-2's pre-tokenization) from a UTF-8 corpus "
                + "and writes it as a Hugging Face tokenizer.json.")
public final class TrainTokenizerCommand implements Callable<Integer> {

    @Option(names = "--corpus", required = true, paramLabel = "FILE", description = "UTF-8 text to learn from")
    Path corpus;

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "tokens in the vocabulary, counting the 256 bytes and <|endoftext|> (at least 257)")
    int vocabSize;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "where to write tokenizer.json")
    Path out;

    @Override
    public Integer call() {
        try {
            if (vocabSize < BpeTrainer.MIN_VOCAB_SIZE) {
                throw new UserError("--vocab-size " + vocabSize + " is below " + BpeTrainer.MIN_VOCAB_SIZE
                        + " (the 256 bytes and <|endoftext|>)");
            }
            String text = TextInput.utf8(readCorpus(), corpus.toString());
            System.err.printf("training a %d-token vocabulary on %s (%.2f MB)%n", vocabSize, corpus, text.length() / 1e6);
            long start = System.nanoTime();
            // On a terminal one line redrawn every 1%; in a log a line every 10%.
            boolean terminal = System.console() != null;
            int step = terminal ? 1 : 10;
            int[] lastPercent = {-1};
            BpeTokenizer tokenizer = BpeTrainer.train(text, vocabSize, (done, total) -> {
                int percent = (int) (100L * done / Math.max(1, total)) / step * step;
                if (percent != lastPercent[0]) {
                    lastPercent[0] = percent;
                    System.err.printf(terminal ? "\rmerges %d/%d (%d%%) %.1f s" : "merges %d/%d (%d%%) %.1f s%n",
                            done, total, percent, (System.nanoTime() - start) / 1e9);
                }
            });
            System.err.printf((terminal ? "%n" : "") + "done: %d tokens (%d merges) in %.1f s%n", tokenizer.vocabSize(), tokenizer.merges().size(),
                    (System.nanoTime() - start) / 1e9);
            if (tokenizer.vocabSize() < vocabSize) {
                System.err.printf("note: the corpus ran out of pairs seen twice, so the vocabulary has %d tokens, not %d%n",
                        tokenizer.vocabSize(), vocabSize);
            }
            try {
                TokenizerFiles.writeHuggingFace(tokenizer, out);
            } catch (IOException e) {
                throw new UserError(out + ": cannot write (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
            System.err.println("wrote " + out);
            return 0;
        } catch (UserError e) {
            System.err.println("llm train-tokenizer: " + e.getMessage());
            return UserError.EXIT_CODE;
        }
    }

    private byte[] readCorpus() {
        try {
            return Files.readAllBytes(corpus);
        } catch (NoSuchFileException e) {
            throw new UserError(corpus + ": no such file");
        } catch (IOException e) {
            throw new UserError(corpus + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
