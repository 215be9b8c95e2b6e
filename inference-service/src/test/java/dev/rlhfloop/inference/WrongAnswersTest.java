package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WrongAnswersTest {
    private static InstructionExample task(String instruction, String output, String task) {
        return new InstructionExample(instruction, "", output, task);
    }

    @Test
    void aWrongAnswerReadsLikeTheReference() {
        Random random = new Random(3);
        List<InstructionExample> pool = List.of(
                task("What is the opposite of short?", "The opposite of short is tall.", "opposite"),
                task("Where does Kai live?", "Kai lives in Hillside.", "fact"));
        assertTrue(WrongAnswers.of(task("What is 16 minus 15?", "16 minus 15 is 1.", "subtract"), pool, random).orElseThrow()
                .matches("16 minus 15 is [2-4]\\."));
        assertTrue(WrongAnswers.of(task("How many legs does a deer have?", "A deer has four legs.", "fact"), pool, random).orElseThrow()
                .matches("A deer has (?!four)\\w+ legs\\."));
        assertEquals("The opposite of happy is tall.",
                WrongAnswers.of(task("What is the opposite of happy?", "The opposite of happy is sad.", "opposite"), pool, random).orElseThrow());
        assertEquals("Ella lives in Hillside.",
                WrongAnswers.of(task("Where does Ella live?", "Ella lives in Rivertown.", "fact"), pool, random).orElseThrow());
        assertEquals("kite", WrongAnswers.of(task("Write the word kite in capital letters.", "KITE", "uppercase"), pool, random).orElseThrow());
    }

    @Test
    void everyGoldTaskHasAWrongAnswer() {
        List<InstructionExample> tasks = new BuiltinData(42).heldOutExamples().stream().filter(t -> t.input().isEmpty()).toList();
        Random random = new Random(5);
        for (InstructionExample task : tasks) {
            String wrong = WrongAnswers.of(task, tasks, random).orElseThrow(() -> new AssertionError("no wrong answer to " + task));
            assertFalse(AnswerChecker.isCorrect(task, wrong), task + " vs " + wrong);
        }
    }
}
