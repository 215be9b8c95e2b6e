package dev.rlhfloop.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.rlhfloop.llm.model.Gpt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/** {@code llm logits --model DIR --tokens 1,2,3}: one row of vocabulary logits per input position, as JSON. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print the model's logits for each input position as JSON {\"logits\": [[...], ...]}.")
public final class LogitsCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--tokens", required = true, paramLabel = "IDS", description = "Input token ids, e.g. 1,2,3.")
    String tokens;

    @Override
    void run(PrintWriter out) throws IOException {
        int[] ids = ModelOptions.parseIds(tokens, "--tokens");
        Gpt gpt = model.load();
        ModelOptions.checkIds(ids, gpt.config().vocabSize(), "--tokens");
        if (ids.length > gpt.config().contextLength()) {
            throw new IllegalArgumentException("--tokens: " + ids.length + " ids exceed the context length " + gpt.config().contextLength());
        }
        float[] logits = gpt.forward(ids, 1, ids.length);
        int v = gpt.config().vocabSize();
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            json.writeStartObject();
            json.writeArrayFieldStart("logits");
            for (int t = 0; t < ids.length; t++) {
                json.writeArray(toDoubles(logits, t * v, v), 0, v);
            }
            json.writeEndArray();
            json.writeEndObject();
        }
        out.println();
    }

    private static double[] toDoubles(float[] values, int offset, int n) {
        double[] row = new double[n];
        for (int i = 0; i < n; i++) {
            row[i] = Double.parseDouble(Float.toString(values[offset + i])); // shortest float text, not double noise
        }
        return row;
    }
}
