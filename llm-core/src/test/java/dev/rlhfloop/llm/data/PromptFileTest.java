package dev.rlhfloop.llm.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptFileTest {

    @Test
    void readsOnePromptPerLineAsTextOrJsonLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.txt");
        Files.writeString(file, """
                What is the capital of France?

                {"prompt": "Write a haiku about the sea."}
                {"instruction": "Translate into German.", "input": "Good morning"}
                {"instruction": "Name a colour.", "input": ""}
                "Tell me a joke."
                """);
        assertEquals(List.of("What is the capital of France?", "Write a haiku about the sea.", "Translate into German.\n\nGood morning",
                "Name a colour.", "Tell me a joke."), PromptFile.read(file));
    }

    @Test
    void badLinesAreNamedByFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, "{\"prompt\": \"fine\"}\n{\"prompt\": \"unclosed\n");
        assertEquals(file + ":2: not valid JSON", message(file).substring(0, (file + ":2: not valid JSON").length()));
        Files.writeString(file, "{\"prompt\": \"fine\"}\n\n{\"question\": \"where?\"}\n");
        assertEquals(file + ":3: expected an object with \"prompt\" (or \"instruction\"), got {\"question\": \"where?\"}", message(file));
        Files.writeString(file, "{\"prompt\": 42}\n");
        assertEquals(file + ":1: \"prompt\" must be a string", message(file));
        Files.writeString(file, "\n  \n");
        assertEquals(file + ": no prompts (one per line, as text or JSON Lines with \"prompt\")", message(file));
        assertEquals(dir.resolve("absent.txt") + ": no such file", message(dir.resolve("absent.txt")));
    }

    private static String message(Path file) {
        return assertThrows(IllegalArgumentException.class, () -> PromptFile.read(file)).getMessage();
    }
}
