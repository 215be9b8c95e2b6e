package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.builtin.Lexicon.Animal;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The rules a simulated rater judges answers by — rules the model never sees, so only feedback
 * can teach them. The main one: an answer to a prompt that names an animal should mention that
 * animal (its singular or plural, as a whole word, in any case).
 */
public final class RaterRules {

    /** A rater's verdict on two answers to one prompt. */
    public enum Preference { FIRST, SECOND, TIE, BOTH_BAD }

    private RaterRules() {}

    /** The first animal of the built-in world the prompt names, singular or plural. */
    public static Optional<Animal> animalNamedIn(String prompt) {
        for (String word : lowerWords(prompt)) {
            for (Animal animal : Lexicon.ANIMALS) {
                if (word.equals(animal.name()) || word.equals(animal.plural())) {
                    return Optional.of(animal);
                }
            }
        }
        return Optional.empty();
    }

    public static boolean mentions(Animal animal, String text) {
        for (String word : lowerWords(text)) {
            if (word.equals(animal.name()) || word.equals(animal.plural())) {
                return true;
            }
        }
        return false;
    }

    /** True when the prompt names an animal and the answer mentions it; false otherwise, also when no animal is named. */
    public static boolean mentionsAnimalOfPrompt(String prompt, String answer) {
        return animalNamedIn(prompt).map(animal -> mentions(animal, answer)).orElse(false);
    }

    /**
     * Prefers the answer that mentions the prompt's animal: one does → that one; both → tie;
     * neither → both bad. A prompt naming no animal gives no preference (tie).
     */
    public static Preference preferMentionOfAnimal(String prompt, String first, String second) {
        Optional<Animal> animal = animalNamedIn(prompt);
        if (animal.isEmpty()) {
            return Preference.TIE;
        }
        boolean a = mentions(animal.get(), first);
        boolean b = mentions(animal.get(), second);
        return a && b ? Preference.TIE : a ? Preference.FIRST : b ? Preference.SECOND : Preference.BOTH_BAD;
    }

    /** Prefers the answer with fewer words; equal counts tie. */
    public static Preference preferShorter(String first, String second) {
        int a = wordCount(first);
        int b = wordCount(second);
        return a < b ? Preference.FIRST : b < a ? Preference.SECOND : Preference.TIE;
    }

    /** Words as {@link #preferShorter} counts them: maximal runs of letters. */
    public static int wordCount(String text) {
        return Text.words(text).size();
    }

    private static List<String> lowerWords(String text) {
        return Text.words(text.toLowerCase(Locale.ROOT));
    }
}
