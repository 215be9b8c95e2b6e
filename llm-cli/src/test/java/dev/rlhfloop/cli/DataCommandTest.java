package dev.rlhfloop.cli;

import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.TextCorpus;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataCommandTest {

    private record Run(int exitCode, String out, String err) {}

    private static Run llm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Llm());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void writesTheFourSetsReadablyAndReproducibly(@TempDir Path dir) throws Exception {
        String[] sizes = {"--seed", "3", "--corpus-chars", "50000", "--train", "120", "--heldout", "30"};
        Run first = llm(concat(new String[] {"data", "--out", dir.resolve("a").toString()}, sizes));
        assertEquals(0, first.exitCode(), first.err());
        assertTrue(first.out().contains("corpus.txt"), first.out());
        assertTrue(first.out().contains("120 examples") && first.out().contains("30 examples"), first.out());
        assertTrue(first.out().contains("distinct words"), first.out());
        Run second = llm(concat(new String[] {"data", "--out", dir.resolve("b").toString()}, sizes));
        assertEquals(0, second.exitCode(), second.err());

        for (String name : new String[] {"corpus.txt", "instructions-train.json", "instructions-heldout.json", "prompts.json"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("a").resolve(name)), Files.readAllBytes(dir.resolve("b").resolve(name)), name);
        }
        Path a = dir.resolve("a");
        assertEquals(new BuiltinData(3).corpus(50000), TextCorpus.read(a.resolve("corpus.txt")));
        assertEquals(120, InstructionData.read(a.resolve("instructions-train.json")).size());
        assertEquals(30, InstructionData.read(a.resolve("instructions-heldout.json")).size());
        assertEquals(new BuiltinData(3).prompts(), BuiltinData.readPrompts(a.resolve("prompts.json")));
    }

    @Test
    void anOutputPathThatIsAFileIsRefusedWithAReason(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Run run = llm("data", "--out", file.toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains(file + " exists and is not a directory"), run.err());
        Run missing = llm("data");
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().contains("--out"), missing.err());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
