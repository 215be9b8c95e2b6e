package dev.rlhfloop.llm.data;

import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.testing.BookData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InstructionDataTest {

    @Test
    void theBooksFileLoadsAsIsAndSplitsLikeTheBook() throws Exception {
        List<InstructionExample> examples = InstructionData.read(BookData.file("instruction-data.json"));
        assertEquals(1100, examples.size());
        assertEquals("Evaluate the following phrase by transforming it into the spelling given.", examples.get(0).instruction());
        assertEquals("freind --> friend", examples.get(0).input());
        assertEquals("", examples.get(2).input());
        InstructionData.Splits splits = InstructionData.split(examples);
        assertEquals(935, splits.train().size());
        assertEquals(55, splits.validation().size());
        assertEquals(110, splits.test().size());
        assertEquals(examples.get(935), splits.test().get(0));
        assertEquals(examples.get(1045), splits.validation().get(0));
    }

    @Test
    void splitsLikeTheBookInFileOrder() {
        List<InstructionExample> examples = new BuiltinData(7).trainingExamples(1100);
        InstructionData.Splits splits = InstructionData.split(examples);
        assertEquals(examples.subList(0, 935), splits.train());
        assertEquals(examples.subList(935, 1045), splits.test());
        assertEquals(examples.subList(1045, 1100), splits.validation());
    }

    @Test
    void jsonLinesAndMissingInputsAreAccepted(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("data.jsonl"),
                "{\"instruction\": \"Add.\", \"input\": \"1 and 2\", \"output\": \"3\"}\n\n{\"instruction\": \"Hi\", \"output\": \"Hello\", \"extra\": 1}\n");
        List<InstructionExample> examples = InstructionData.read(file);
        assertEquals(List.of(new InstructionExample("Add.", "1 and 2", "3"), new InstructionExample("Hi", "", "Hello")), examples);
    }

    @Test
    void writtenFilesReadBackTheSame(@TempDir Path dir) throws Exception {
        List<InstructionExample> examples = List.of(new InstructionExample("Say \"hi\".", "", "hi\nthere", "open"),
                new InstructionExample("Upper.", "ünï", "ÜNÏ", ""));
        Path file = dir.resolve("out.json");
        InstructionData.write(file, examples);
        assertEquals(examples, InstructionData.read(file));
    }

    @Test
    void badEntriesNameTheFileEntryAndLine(@TempDir Path dir) throws Exception {
        Path missing = Files.writeString(dir.resolve("missing.json"),
                "[\n  {\"instruction\": \"a\", \"output\": \"b\"},\n  {\"instruction\": \"c\"}\n]\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InstructionData.read(missing));
        assertEquals(missing + ": entry 2 (line 3): missing \"output\"", e.getMessage());

        Path wrongType = Files.writeString(dir.resolve("type.jsonl"), "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": 5, \"output\": \"b\"}\n");
        e = assertThrows(IllegalArgumentException.class, () -> InstructionData.read(wrongType));
        assertEquals(wrongType + ": entry 2 (line 2): \"instruction\" must be a string, got number", e.getMessage());

        Path malformed = Files.writeString(dir.resolve("bad.json"), "[\n  {\"instruction\": \"a\",\n   \"output\": }\n]");
        e = assertThrows(IllegalArgumentException.class, () -> InstructionData.read(malformed));
        assertTrue(e.getMessage().startsWith(malformed + ": line 3, column"), e.getMessage());

        Path badLine = Files.writeString(dir.resolve("bad.jsonl"), "{\"instruction\": \"a\", \"output\": \"b\"}\nnot json\n");
        e = assertThrows(IllegalArgumentException.class, () -> InstructionData.read(badLine));
        assertTrue(e.getMessage().startsWith(badLine + ": line 2: "), e.getMessage());

        Path notObjects = Files.writeString(dir.resolve("strings.json"), "[\"a\", \"b\"]");
        e = assertThrows(IllegalArgumentException.class, () -> InstructionData.read(notObjects));
        assertTrue(e.getMessage().startsWith(notObjects + ": entry 1 (line 1): expected an object"), e.getMessage());

        Path empty = Files.writeString(dir.resolve("empty.json"), "  ");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InstructionData.read(empty)).getMessage().contains("empty"));
        Path none = dir.resolve("none.json");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> InstructionData.read(none)).getMessage().contains("no such file"));
    }
}
