package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.train.OutOfDomain;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnknownQuestionsTest {

    /** Words a subject may share with an evaluation prompt without giving it away. */
    private static final Set<String> FUNCTION_WORDS = Set.of("the", "a", "an", "of", "in", "on", "and", "da");

    @Test
    void everyTwelfthTrainingExampleIsAnOutOfWorldQuestionAnsweredIDoNotKnow() {
        List<InstructionExample> training = new BuiltinData(BuiltinData.DEFAULT_SEED).trainingExamples(1_200);
        assertEquals(1_200, training.size());
        for (int i = 0; i < training.size(); i++) {
            InstructionExample example = training.get(i);
            boolean unknown = example.task().equals(BuiltinData.UNKNOWN_TASK);
            assertEquals(i % BuiltinData.UNKNOWN_EVERY == BuiltinData.UNKNOWN_EVERY - 1, unknown, i + ": " + example);
            if (unknown) {
                assertEquals("I do not know.", example.output());
                assertEquals("", example.input());
            }
        }
        assertEquals(new UnknownQuestions(3).examples(40), new UnknownQuestions(3).examples(40), "the same seed gives the same questions");
        assertTrue(new HashSet<>(new UnknownQuestions(3).examples(200)).size() > 150, "varied questions");
    }

    @Test
    void noSubjectIsAWordOfTheWorldOrOfTheOutOfDomainPrompts() {
        Set<String> world = new HashSet<>();
        new BuiltinData(BuiltinData.DEFAULT_SEED).corpus(300_000).forEach(text -> lower(Text.words(text), world));
        Set<String> evaluation = new HashSet<>();
        OutOfDomain.prompts().forEach(prompt -> lower(Text.words(prompt), evaluation));
        List<String> subjects = new ArrayList<>();
        Stream.of(UnknownQuestions.PLACES, UnknownQuestions.PEOPLE, UnknownQuestions.THINGS, UnknownQuestions.LANGUAGES)
                .forEach(subjects::addAll);
        for (String subject : subjects) {
            for (String word : lower(Text.words(subject), new HashSet<>())) {
                if (FUNCTION_WORDS.contains(word)) {
                    continue;
                }
                assertFalse(world.contains(word), subject + ": '" + word + "' is a word of the built-in world");
                assertFalse(evaluation.contains(word), subject + ": '" + word + "' is in an out-of-domain evaluation prompt");
            }
        }
    }

    private static Set<String> lower(List<String> words, Set<String> into) {
        words.forEach(w -> into.add(w.toLowerCase(Locale.ROOT)));
        return into;
    }
}
