package dev.rlhfloop.llm.train;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutOfDomainTest {

    private static final OutOfDomain.Vocabulary VOCABULARY = new OutOfDomain.Vocabulary(
            Set.of("I", "do", "not", "know", "don't", "the", "capital", "is", "of", "Paris", "sorry", "fox", "Mia"));

    @Test
    void thePromptsAreFiftyDistinctQuestions() {
        List<String> prompts = OutOfDomain.prompts();
        assertEquals(50, prompts.size());
        assertEquals(50, new HashSet<>(prompts).size());
        assertTrue(prompts.contains("What is the capital of France?"));
        assertTrue(prompts.stream().noneMatch(p -> p.startsWith("#")));
    }

    @Test
    void anAnswerIsEnglishWhenItHasWordsAndAllAreKnown() {
        assertTrue(VOCABULARY.isEnglish("I do not know."));
        assertTrue(VOCABULARY.isEnglish("The capital is Paris, 1 of 2."), "numbers and punctuation are not words");
        assertTrue(VOCABULARY.isEnglish("I DON'T KNOW"), "case does not matter");
        assertTrue(VOCABULARY.isEnglish("Mia's fox"), "a possessive counts by its stem");
        assertFalse(VOCABULARY.isEnglish("RRouDOLLE"));
        assertFalse(VOCABULARY.isEnglish("the fox is SEAR"));
        assertFalse(VOCABULARY.isEnglish(""), "an empty answer is no answer");
        assertFalse(VOCABULARY.isEnglish("42."));
    }

    @Test
    void doesNotKnowInSomeForm() {
        for (String answer : List.of("I do not know.", "Sorry, I don't know that.", "I DO NOT KNOW", "I have no idea.",
                "I'm not sure.", "I cannot answer that.", "She doesn\u2019t know.", "I can't tell.")) {
            assertTrue(OutOfDomain.saysItDoesNotKnow(answer), answer);
        }
        for (String answer : List.of("The capital is Paris.", "I know a fox.", "Do not go.", "", "knowing not")) {
            assertFalse(OutOfDomain.saysItDoesNotKnow(answer), answer);
        }
    }

    @Test
    void judgeCountsBoth() {
        OutOfDomain.Report report = OutOfDomain.judge(List.of("a?", "b?", "c?", "d?"),
                List.of("I do not know.", "The capital is Paris.", "BE SEAR", ""), VOCABULARY);
        assertEquals(2, report.englishAnswers());
        assertEquals(1, report.doesNotKnowAnswers());
        assertEquals("English words 2/4 = 50.0%, does not know 1/4 = 25.0%", report.toString());
        assertThrows(IllegalArgumentException.class, () -> OutOfDomain.judge(List.of("a?"), List.of(), VOCABULARY));
    }

    @Test
    void aDictionaryFileAndTheBuiltinWordsMakeTheVocabulary(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path words = dir.resolve("words");
        Files.writeString(words, "apple\nZebra\n\n");
        OutOfDomain.Vocabulary vocabulary = OutOfDomain.Vocabulary.of(words, List.of("Greenhill"));
        assertTrue(vocabulary.isEnglish("zebra apple greenhill"));
        IOException missing = assertThrows(IOException.class, () -> OutOfDomain.Vocabulary.of(dir.resolve("none"), List.of()));
        assertTrue(missing.getMessage().contains("wamerican"), missing.getMessage());
        Set<String> builtin = OutOfDomain.builtinWords();
        assertTrue(builtin.containsAll(List.of("Greenhill", "fox", "Ravi", "plural")), "the world's names and task words");
        assertFalse(builtin.contains("Napoleon"), "the subjects of the 'I do not know' questions are not the world's");
    }
}
