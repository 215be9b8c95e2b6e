package dev.rlhfloop.llm.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A prompt pool in a file: one prompt per line as plain text, or JSON Lines whose objects carry
 * {@code prompt} (or the book's {@code instruction} and optional {@code input}, joined by a blank
 * line as the Alpaca template shows them); a line may also be a JSON string. Blank lines are
 * skipped. Every error names the file and the line.
 */
public final class PromptFile {

    private PromptFile() {}

    public static List<String> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file", e);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text", e);
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty()) {
                continue;
            }
            String prompt = line.startsWith("{") || line.startsWith("\"") ? fromJson(line, file, i + 1) : line;
            if (prompt.isBlank()) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": the prompt is empty");
            }
            prompts.add(prompt);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(file + ": no prompts (one per line, as text or JSON Lines with \"prompt\")");
        }
        return List.copyOf(prompts);
    }

    private static String fromJson(String line, Path file, int lineNumber) {
        JsonNode node;
        try {
            node = JsonEntries.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ":" + lineNumber + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (node.isTextual()) {
            return node.textValue().strip();
        }
        String prompt = text(node, "prompt", file, lineNumber);
        if (prompt != null) {
            return prompt;
        }
        String instruction = text(node, "instruction", file, lineNumber);
        if (instruction == null) {
            throw new IllegalArgumentException(file + ":" + lineNumber + ": expected an object with \"prompt\" (or \"instruction\"), got "
                    + (line.length() <= 80 ? line : line.substring(0, 77) + "..."));
        }
        String input = text(node, "input", file, lineNumber);
        return input == null || input.isEmpty() ? instruction : instruction + "\n\n" + input;
    }

    private static String text(JsonNode object, String field, Path file, int lineNumber) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(file + ":" + lineNumber + ": \"" + field + "\" must be a string");
        }
        return value.textValue().strip();
    }
}
