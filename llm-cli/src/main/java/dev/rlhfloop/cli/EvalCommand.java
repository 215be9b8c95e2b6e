package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.OutOfDomain;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code llm eval --model DIR (--text FILE | --tokens-file FILE) [--context N] [--batch-size B]}:
 * mean next-token loss and perplexity over consecutive, non-overlapping windows of the file.
 * {@code llm eval --model DIR --ood [--words FILE]}: the model's answers to the 50 fixed
 * out-of-domain prompts ({@link OutOfDomain}), how many are English words and how many say it does not know.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss and perplexity of the model on a text file, or (--ood) its answers to 50 questions from outside "
                + "the built-in world, printed as JSON.")
public final class EvalCommand extends ModelCommand {

    static final class Input {
        @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text (needs the model directory's tokenizer.json).")
        Path text;

        @Option(names = "--tokens-file", paramLabel = "FILE", description = "Token ids separated by commas or whitespace.")
        Path tokens;

        @Option(names = "--ood", description = "Answer the 50 fixed out-of-domain prompts greedily: the share of answers made only "
                + "of English words (--words plus the built-in vocabulary) and the share saying the model does not know.")
        boolean outOfDomain;
    }

    @Option(names = "--words", paramLabel = "FILE", description = "Word list for --ood, a word per line (default: Debian's wamerican, "
            + "/usr/share/dict/american-english).")
    Path words;

    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--context", paramLabel = "N", description = "Window length (default: the model's context length).")
    Integer context;

    @Option(names = "--batch-size", defaultValue = "4", paramLabel = "B", description = "Windows per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    void run(PrintWriter out) throws IOException {
        if (input.outOfDomain) {
            OutOfDomain.Vocabulary vocabulary = OutOfDomain.Vocabulary.of(words != null ? words : OutOfDomain.DEFAULT_DICTIONARY,
                    OutOfDomain.builtinWords());
            OutOfDomain.Report report = OutOfDomain.evaluate(model.load(), model.tokenizer(), OutOfDomain.prompts(), vocabulary);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("prompts", report.answers().size());
            result.put("englishAnswers", report.englishAnswers());
            result.put("doesNotKnowAnswers", report.doesNotKnowAnswers());
            result.put("summary", report.toString());
            result.put("answers", report.answers());
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
            return;
        }
        Path file = input.text != null ? input.text : input.tokens;
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        int[] ids = input.text != null
                ? model.tokenizer().encode(Files.readString(file))
                : ModelOptions.parseIds(Files.readString(file), file.toString());
        Gpt gpt = model.load();
        ModelOptions.checkIds(ids, gpt.config().vocabSize(), file.toString());
        int length = context != null ? context : gpt.config().contextLength();
        if (length < 1 || length > gpt.config().contextLength() || batchSize < 1) {
            throw new IllegalArgumentException("--context must be in [1, " + gpt.config().contextLength() + "] and --batch-size positive");
        }
        length = Math.min(length, ids.length - 1);
        if (length < 1) {
            throw new IllegalArgumentException(file + ": needs at least two tokens to evaluate");
        }
        Map<String, Object> result = evaluate(gpt, ids, length, batchSize);
        result.put("file", file.toString());
        out.println(new ObjectMapper().writeValueAsString(result));
    }

    /** Sums the loss over every predicted token (windows of {@code length} predictions, stride {@code length}). */
    static Map<String, Object> evaluate(Gpt gpt, int[] ids, int length, int batchSize) {
        int windows = (ids.length - 1) / length;
        double total = 0;
        long counted = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int rows = Math.min(batchSize, windows - first);
            int[] inputs = new int[rows * length];
            int[] targets = new int[rows * length];
            for (int r = 0; r < rows; r++) {
                int start = (first + r) * length;
                System.arraycopy(ids, start, inputs, r * length, length);
                System.arraycopy(ids, start + 1, targets, r * length, length);
            }
            float[] logProbs = gpt.tokenLogProbs(new Batch(rows, length, inputs, targets));
            for (int i = 0; i < rows * length; i++) {
                total -= logProbs[i];
            }
            counted += (long) rows * length;
        }
        double loss = total / counted;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("loss", loss);
        result.put("perplexity", Math.exp(loss));
        result.put("tokens", counted);
        result.put("windows", windows);
        result.put("context", length);
        return result;
    }
}
