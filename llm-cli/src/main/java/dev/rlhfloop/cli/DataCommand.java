package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.ClassificationData;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.LabeledText;
import dev.rlhfloop.llm.data.TextCorpus;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code llm data}: writes the built-in data sets to files, so they can be read, diffed or used elsewhere. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Write the built-in corpus, instruction data, prompt pool and classification messages to a directory.")
final class DataCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Directory to write corpus.txt, instructions-train.json, instructions-heldout.json, prompts.json and "
            + "messages.tsv (spam/ham, for classify-train) into.")
    Path out;

    @Option(names = "--seed", defaultValue = "" + BuiltinData.DEFAULT_SEED, description = "Seed of the generated world and texts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--corpus-chars", defaultValue = "" + BuiltinData.DEFAULT_CORPUS_CHARS, description = "Approximate corpus size in characters (default: ${DEFAULT-VALUE}).")
    long corpusChars;

    @Option(names = "--train", defaultValue = "" + BuiltinData.DEFAULT_TRAIN_EXAMPLES, description = "Training instruction examples (default: ${DEFAULT-VALUE}).")
    int train;

    @Option(names = "--heldout", defaultValue = "" + BuiltinData.DEFAULT_HELDOUT_EXAMPLES, description = "Held-out instruction examples (default: ${DEFAULT-VALUE}).")
    int heldOut;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (Files.exists(out) && !Files.isDirectory(out)) {
            err.println("llm data: " + out + " exists and is not a directory");
            return 2;
        }
        if (corpusChars <= 0 || train <= 0 || heldOut <= 0) {
            err.println("llm data: --corpus-chars, --train and --heldout must be positive");
            return 2;
        }
        PrintWriter stdout = spec.commandLine().getOut();
        Files.createDirectories(out);
        long started = System.nanoTime();
        BuiltinData data = new BuiltinData(seed);
        List<String> documents = data.corpus(corpusChars);
        List<InstructionExample> training = data.trainingExamples(train);
        List<InstructionExample> held = data.heldOutExamples(heldOut);
        List<String> prompts = data.prompts();

        Path corpus = out.resolve("corpus.txt");
        TextCorpus.write(corpus, documents);
        Path trainFile = out.resolve("instructions-train.json");
        InstructionData.write(trainFile, training);
        Path heldFile = out.resolve("instructions-heldout.json");
        InstructionData.write(heldFile, held);
        Path promptFile = out.resolve("prompts.json");
        BuiltinData.writePrompts(promptFile, prompts);
        List<LabeledText> messages = data.classificationMessages();
        Path messageFile = out.resolve("messages.tsv");
        ClassificationData.writeTsv(messageFile, messages);

        String text = String.join("\n", documents);
        long words = 0;
        Set<String> distinct = new HashSet<>();
        for (String word : text.split("[^\\p{L}]+")) {
            if (!word.isEmpty()) {
                words++;
                distinct.add(word.toLowerCase(Locale.ROOT));
            }
        }
        stdout.printf(Locale.ROOT, "seed %d, generated in %.1f s%n", seed, (System.nanoTime() - started) / 1e9);
        stdout.printf(Locale.ROOT, "%-28s %,12d bytes  %,d documents, %,d words, %,d distinct words%n",
                corpus, Files.size(corpus), documents.size(), words, distinct.size());
        stdout.printf(Locale.ROOT, "%-28s %,12d bytes  %,d examples%n", trainFile, Files.size(trainFile), training.size());
        stdout.printf(Locale.ROOT, "%-28s %,12d bytes  %,d examples%n", heldFile, Files.size(heldFile), held.size());
        stdout.printf(Locale.ROOT, "%-28s %,12d bytes  %,d prompts%n", promptFile, Files.size(promptFile), prompts.size());
        stdout.printf(Locale.ROOT, "%-28s %,12d bytes  %,d messages %s%n", messageFile, Files.size(messageFile), messages.size(),
                ClassificationData.counts(messages));
        stdout.flush();
        return 0;
    }
}
