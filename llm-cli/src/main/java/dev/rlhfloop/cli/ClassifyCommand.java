package dev.rlhfloop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.classify.Classifier;
import dev.rlhfloop.llm.classify.ClassifierTraining;
import dev.rlhfloop.llm.data.ClassificationData;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code llm classify --model DIR (--text TEXT | --data FILE)}: one text's label and class
 * probabilities, or the accuracy and confusion counts on a labelled file, as JSON.
 */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify a text with a model trained by classify-train, or measure its accuracy on a labelled file; prints JSON.")
public final class ClassifyCommand extends ModelCommand {

    static final class Input {
        @Option(names = "--text", paramLabel = "TEXT", description = "The text to classify.")
        String text;

        @Option(names = "--data", paramLabel = "FILE", description = "Labelled texts (TSV label<TAB>text or CSV with label and text columns).")
        Path file;
    }

    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B", description = "Texts per forward pass with --data (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    void run(PrintWriter out) throws IOException {
        Classifier classifier = Classifier.load(model.directory);
        Tokenizer tokenizer = model.tokenizer();
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> result = new LinkedHashMap<>();
        if (input.text != null) {
            float[] probabilities = classifier.probabilities(tokenizer.encode(input.text));
            List<String> labels = classifier.labels();
            Map<String, Double> byLabel = new LinkedHashMap<>();
            int best = 0;
            for (int i = 0; i < labels.size(); i++) {
                byLabel.put(labels.get(i), (double) probabilities[i]);
                if (probabilities[i] > probabilities[best]) {
                    best = i;
                }
            }
            result.put("label", labels.get(best));
            result.put("probabilities", byLabel);
        } else {
            if (batch <= 0) {
                throw new IllegalArgumentException("--batch must be positive");
            }
            ClassifierTraining.Evaluation evaluation = ClassifierTraining.evaluate(classifier, tokenizer,
                    ClassificationData.read(input.file), batch);
            result.put("accuracy", evaluation.accuracy());
            result.put("n", evaluation.count());
            result.put("confusion", evaluation.confusion());
        }
        out.println(json.writeValueAsString(result));
    }
}
