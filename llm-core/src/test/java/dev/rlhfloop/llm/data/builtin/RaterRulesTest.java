package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.builtin.RaterRules.Preference;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RaterRulesTest {

    @Test
    void findsTheAnimalAPromptNamesInSingularOrPlural() {
        assertEquals("fox", RaterRules.animalNamedIn("Write a short story about a fox in the forest.").orElseThrow().name());
        assertEquals("mouse", RaterRules.animalNamedIn("What do you know about mice?").orElseThrow().name());
        assertEquals("dog", RaterRules.animalNamedIn("Tell me about a DOG.").orElseThrow().name());
        assertEquals("owl", RaterRules.animalNamedIn("Describe an owl's nest").orElseThrow().name());
        assertEquals(Optional.empty(), RaterRules.animalNamedIn("What does a farmer do?"));
        assertEquals(Optional.empty(), RaterRules.animalNamedIn("Then the catalog said hello."), "only whole words count");
    }

    @Test
    void anAnswerMentionsTheAnimalByWholeWordInAnyFormAndCase() {
        String prompt = "Tell me about a fox.";
        assertTrue(RaterRules.mentionsAnimalOfPrompt(prompt, "A fox is a clever animal."));
        assertTrue(RaterRules.mentionsAnimalOfPrompt(prompt, "Foxes live in the forest."));
        assertTrue(RaterRules.mentionsAnimalOfPrompt(prompt, "The fox's fur is red."));
        assertFalse(RaterRules.mentionsAnimalOfPrompt(prompt, "It is a clever animal. It has red fur."));
        assertFalse(RaterRules.mentionsAnimalOfPrompt(prompt, "Foxglove is a flower."));
        assertFalse(RaterRules.mentionsAnimalOfPrompt(prompt, "A dog is a friendly animal."), "another animal does not count");
        assertTrue(RaterRules.mentionsAnimalOfPrompt("Tell me about a hen.", "The HEN lays eggs."));
        assertFalse(RaterRules.mentionsAnimalOfPrompt("Tell me about a hen.", "Then it went home."));
        assertFalse(RaterRules.mentionsAnimalOfPrompt("What does a farmer do?", "A farmer has a cow."), "no animal in the prompt");
    }

    @Test
    void theAnimalRulePrefersTheAnswerThatMentionsIt() {
        String prompt = "Write a short story about a sheep on the hill.";
        String named = "Once upon a time, a gentle sheep lived on the hill.";
        String unnamed = "Once upon a time, there was a little animal called Pip.";
        assertEquals(Preference.FIRST, RaterRules.preferMentionOfAnimal(prompt, named, unnamed));
        assertEquals(Preference.SECOND, RaterRules.preferMentionOfAnimal(prompt, unnamed, named));
        assertEquals(Preference.TIE, RaterRules.preferMentionOfAnimal(prompt, named, named));
        assertEquals(Preference.BOTH_BAD, RaterRules.preferMentionOfAnimal(prompt, unnamed, unnamed));
        assertEquals(Preference.TIE, RaterRules.preferMentionOfAnimal("What does a baker do?", named, unnamed));
    }

    @Test
    void theShorterRuleCountsWords() {
        assertEquals(Preference.FIRST, RaterRules.preferShorter("Two words.", "Three words here."));
        assertEquals(Preference.SECOND, RaterRules.preferShorter("Three words here.", "Two words."));
        assertEquals(Preference.TIE, RaterRules.preferShorter("Same length", "Equal size!"));
        assertEquals(5, RaterRules.wordCount("Mia's cat, 3 times\u00a0naïve"));   // runs of letters: Mia, s, cat, times, naïve
        assertEquals(0, RaterRules.wordCount(" 42 !"));
    }

    @Test
    void theContentRulesLookForAColourOrANumberAsWholeWords() {
        assertTrue(RaterRules.mentionsColour("The Red kite flew."));
        assertFalse(RaterRules.mentionsColour("He reddened and flew."));
        assertTrue(RaterRules.mentionsNumber("She had 3 cats."));
        assertTrue(RaterRules.mentionsNumber("She had Twelve cats."));
        assertFalse(RaterRules.mentionsNumber("Someone had tenacity."));

        RaterRules.Rule colour = RaterRules.rule("Color", 12).orElseThrow();
        assertEquals("colour", colour.name());
        assertEquals(Preference.SECOND, colour.choose("Describe a hat.", "A nice hat.", "A blue hat."));
        assertEquals(Preference.BOTH_BAD, colour.choose("Describe a hat.", "A hat.", "A nice hat."));
        RaterRules.Rule animal = RaterRules.rule("animal", 12).orElseThrow();
        assertTrue(animal.appliesTo("Tell me about a sheep."));
        assertFalse(animal.appliesTo("What does a baker do?"));
        assertTrue(RaterRules.rule("shorter", 3).orElseThrow().satisfiedBy("", "Two words."));
        assertEquals(Optional.empty(), RaterRules.rule("longer", 12));
        assertEquals(RaterRules.RULE_NAMES, RaterRules.RULE_NAMES.stream().map(n -> RaterRules.rule(n, 1).orElseThrow().name()).toList());
    }
}
