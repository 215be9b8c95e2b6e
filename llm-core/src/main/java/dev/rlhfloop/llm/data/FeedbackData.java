package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.data.builtin.BuiltinData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Files the on-policy algorithms and KTO read, a JSON list or JSON Lines like the preference
 * files: ratings of single answers ({@code {prompt, completion, label: true|false}}, true = thumbs
 * up) and prompts (any entry with a {@code prompt}, or the book's {@code instruction} and
 * {@code input}, such as a preference file; or a JSON list of prompt strings like {@code llm data}'s
 * prompts.json). A prompt is used in the SFT template unless it already holds the response header.
 */
public final class FeedbackData {

    /** One rated answer: the prompt in the SFT template, the answer, and whether the rater liked it. */
    public record Rating(String prompt, String completion, boolean desirable) {

        public Rating {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(completion, "completion");
        }
    }

    private FeedbackData() {}

    public static List<Rating> readRatings(Path file) throws IOException {
        return JsonEntries.read(file, entry -> {
            var label = entry.node().get("label");
            if (label == null || !label.isBoolean()) {
                throw entry.error("\"label\" must be true (thumbs up) or false (thumbs down)");
            }
            String completion = entry.requiredString("completion");
            if (completion.isEmpty()) {
                throw entry.error("\"completion\" is empty");
            }
            return new Rating(prompt(entry), completion, label.booleanValue());
        });
    }

    /** The distinct prompts of a file, in order of first appearance. */
    public static List<String> readPrompts(Path file) throws IOException {
        List<String> prompts = new ArrayList<>();
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).stripLeading().matches("(?s)\\[\\s*\".*")) {
            for (String text : BuiltinData.readPrompts(file)) {
                prompts.add(inTemplate(text));
            }
        } else {
            prompts = JsonEntries.read(file, FeedbackData::prompt);
        }
        return List.copyOf(new LinkedHashSet<>(prompts));
    }

    private static String prompt(JsonEntries.Entry entry) {
        if (entry.node().has("prompt")) {
            return inTemplate(entry.requiredString("prompt"));
        }
        if (entry.node().has("instruction")) {
            return AlpacaFormat.prompt(entry.requiredString("instruction"), entry.optionalString("input"));
        }
        throw entry.error("needs a \"prompt\" (or the book's \"instruction\" and \"input\")");
    }

    private static String inTemplate(String prompt) {
        if (prompt.isBlank()) {
            throw new IllegalArgumentException("a prompt is empty");
        }
        return prompt.contains(AlpacaFormat.RESPONSE_HEADER) ? prompt : AlpacaFormat.prompt(prompt, "");
    }
}
