package dev.rlhfloop.llm.data;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Instruction data files ({@code [{instruction, input, output}, ...]} or JSON Lines) and the book's splits. */
public final class InstructionData {

    /** The book's three parts: 85% train, 10% test, the remaining 5% validation, in file order. */
    public record Splits(List<InstructionExample> train, List<InstructionExample> validation, List<InstructionExample> test) {}

    private InstructionData() {}

    /**
     * Reads {@code instruction}, {@code input} (optional) and {@code output} of every entry, and
     * {@code task} if present; other fields are ignored. Bad entries fail with the file, entry and line.
     */
    public static List<InstructionExample> read(Path file) throws IOException {
        return JsonEntries.read(file, entry -> new InstructionExample(
                entry.requiredString("instruction"), entry.optionalString("input"),
                entry.requiredString("output"), entry.optionalString("task")));
    }

    /** Writes a JSON list the book's loader reads as is ({@code task} only when set). */
    public static void write(Path file, List<InstructionExample> examples) throws IOException {
        Files.writeString(file, toJson(examples), StandardCharsets.UTF_8);
    }

    public static String toJson(List<InstructionExample> examples) throws IOException {
        ArrayNode list = JsonEntries.MAPPER.createArrayNode();
        for (InstructionExample example : examples) {
            ObjectNode entry = list.addObject();
            entry.put("instruction", example.instruction());
            entry.put("input", example.input());
            entry.put("output", example.output());
            if (!example.task().isEmpty()) {
                entry.put("task", example.task());
            }
        }
        return JsonEntries.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list) + "\n";
    }

    /** The book's split: train = first 85%, test = next 10%, validation = the rest (935/110/55 of 1,100). */
    public static Splits split(List<InstructionExample> examples) {
        int train = (int) (examples.size() * 0.85);
        int test = (int) (examples.size() * 0.1);
        return new Splits(List.copyOf(examples.subList(0, train)),
                List.copyOf(examples.subList(train + test, examples.size())),
                List.copyOf(examples.subList(train, train + test)));
    }
}
