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

    /** SQuAD's token F1: shared words (case and punctuation aside) over the answer's and the reference's. */
    @Test
    void tokenF1GivesPartialCreditForSharedWords() {
        assertEquals(1.0, AnswerChecker.tokenF1("The capital of France is Paris.", "the capital of france is paris"), 1e-12);
        // 4 shared words, all 4 of the answer's and 4 of the reference's 6: P 1, R 2/3, F1 0.8.
        assertEquals(0.8, AnswerChecker.tokenF1("The capital of France is Paris.", "Paris is the capital"), 1e-12);
        // 3 of the answer's 4 words and 3 of the reference's 6: P 3/4, R 1/2, F1 0.6.
        assertEquals(0.6, AnswerChecker.tokenF1("The capital of France is Paris.", "Paris is the city"), 1e-12);
        assertEquals(0.0, AnswerChecker.tokenF1("Paris", "London"), 1e-12);
        assertEquals(0.0, AnswerChecker.tokenF1("Paris", ""), 1e-12);
        // Words count with multiplicity: one "the" in the reference matches one in the answer.
        assertEquals(2 * 0.5 * 1.0 / 1.5, AnswerChecker.tokenF1("the cat", "the the cat cat"), 1e-12);
        AnswerChecker.Score score = AnswerChecker.score(
                List.of(new InstructionExample("Capital?", "", "Paris is the capital."), new InstructionExample("Say no.", "", "No.")),
                List.of("Paris is the capital", "Yes"));
        assertEquals((1.0 + 0.0) / 2, score.tokenF1(), 1e-12);
        assertEquals(1, score.correct());
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
