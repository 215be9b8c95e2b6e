package dev.rlhfloop.llm.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerCheckerTest {

    @Test
    void matchingIgnoresSurroundingSpaceCaseAndATrailingPeriod() {
        InstructionExample sum = new InstructionExample("What is 2 plus 3?", "", "2 plus 3 is 5.", "add");
        assertTrue(AnswerChecker.isCorrect(sum, "2 plus 3 is 5."));
        assertTrue(AnswerChecker.isCorrect(sum, "  2 PLUS 3 is 5 \n"));
        assertTrue(AnswerChecker.isCorrect(sum, "2 plus 3 is 5 . "));
        assertFalse(AnswerChecker.isCorrect(sum, "2 plus 3 is 6."));
        assertFalse(AnswerChecker.isCorrect(sum, "2 plus 3 is 5. 2 plus 3 is 5."));
        assertFalse(AnswerChecker.isCorrect(sum, "2 plus 3 is 5!"));
        assertFalse(AnswerChecker.isCorrect(sum, "2  plus 3 is 5."));
    }

    @Test
    void uppercasingIsJudgedWithCase() {
        InstructionExample upper = new InstructionExample("Write the word in capital letters.", "fox", "FOX", "uppercase");
        assertTrue(AnswerChecker.isCorrect(upper, "FOX."));
        assertFalse(AnswerChecker.isCorrect(upper, "fox"));
        assertFalse(AnswerChecker.isCorrect(upper, "Fox"));
    }

    @Test
    void scoresCountPerTask() {
        List<InstructionExample> examples = List.of(
                new InstructionExample("a", "", "one", "first"),
                new InstructionExample("b", "", "two", "first"),
                new InstructionExample("c", "", "THREE", "uppercase"));
        AnswerChecker.Score score = AnswerChecker.score(examples, List.of("One.", "three", "THREE"));
        assertEquals(2, score.correct());
        assertEquals(3, score.total());
        assertEquals(2.0 / 3, score.accuracy(), 1e-12);
        assertArrayEquals(new int[] {1, 2}, score.perTask().get("first"));
        assertArrayEquals(new int[] {1, 1}, score.perTask().get("uppercase"));
        assertEquals("2/3 = 66.7%  first 1/2  uppercase 1/1", score.toString());
        assertThrows(IllegalArgumentException.class, () -> AnswerChecker.score(examples, List.of()));
    }

    @Test
    void theResponseEndsAtEndOfTextOrTheNextSection() {
        assertEquals("5", AnswerChecker.responseOf(" 5<|endoftext|>garbage"));
        assertEquals("ball, cat", AnswerChecker.responseOf("ball, cat\n\n### Instruction:\nmore"));
        assertEquals("plain", AnswerChecker.responseOf("plain\n"));
    }
}
