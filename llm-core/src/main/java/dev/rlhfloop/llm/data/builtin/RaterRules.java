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
        return preferSatisfying(mentions(animal.get(), first), mentions(animal.get(), second));
    }

    /** Prefers the answer with fewer words; equal counts tie. */
    public static Preference preferShorter(String first, String second) {
        int a = wordCount(first);
        int b = wordCount(second);
        return a < b ? Preference.FIRST : b < a ? Preference.SECOND : Preference.TIE;
    }

    /** True when the answer names a colour of the built-in world ("red", "grey", ...), as a whole word in any case. */
    public static boolean mentionsColour(String answer) {
        return lowerWords(answer).stream().anyMatch(Lexicon.COLORS::contains);
    }

    /** True when the answer holds a number: a digit, or a number word from zero to twenty as a whole word. */
    public static boolean mentionsNumber(String answer) {
        return answer.chars().anyMatch(Character::isDigit) || lowerWords(answer).stream().anyMatch(Lexicon.NUMBER_WORDS::contains);
    }

    /** Prefers the answer that satisfies a content rule: one does → that one; both → tie; neither → both bad. */
    public static Preference preferSatisfying(boolean first, boolean second) {
        return first && second ? Preference.TIE : first ? Preference.FIRST : second ? Preference.SECOND : Preference.BOTH_BAD;
    }

    /**
     * A rule a simulated rater holds: which of two answers it prefers, and whether one answer
     * satisfies it. {@link #appliesTo} says on which prompts it can be satisfied at all (the animal
     * rule only where the prompt names an animal), so a share is measured over those prompts.
     */
    public interface Rule {
        String name();

        String description();

        Preference choose(String prompt, String first, String second);

        boolean satisfiedBy(String prompt, String answer);

        default boolean appliesTo(String prompt) {
            return true;
        }
    }

    /** The rules' names, as {@link #rule} takes them. */
    public static final List<String> RULE_NAMES = List.of("animal", "shorter", "colour", "number");

    /**
     * The rule named {@code name} (any case; "color" is "colour"): animal, shorter (satisfied by at
     * most {@code maxWords} words), colour (prefer the answer that names a colour), number (prefer
     * the answer that holds a number).
     */
    public static Optional<Rule> rule(String name, int maxWords) {
        return switch (name.toLowerCase(Locale.ROOT).strip()) {
            case "animal" -> Optional.of(rule("animal", "prefer the answer that mentions the animal the prompt names",
                    RaterRules::preferMentionOfAnimal, RaterRules::mentionsAnimalOfPrompt, p -> animalNamedIn(p).isPresent()));
            case "shorter" -> Optional.of(rule("shorter", "prefer the shorter answer (satisfied: at most " + maxWords + " words)",
                    (p, a, b) -> preferShorter(a, b), (p, a) -> wordCount(a) <= maxWords, p -> true));
            case "colour", "color" -> Optional.of(rule("colour", "prefer the answer that names a colour",
                    (p, a, b) -> preferSatisfying(mentionsColour(a), mentionsColour(b)), (p, a) -> mentionsColour(a), p -> true));
            case "number" -> Optional.of(rule("number", "prefer the answer that holds a number (digits or a number word)",
                    (p, a, b) -> preferSatisfying(mentionsNumber(a), mentionsNumber(b)), (p, a) -> mentionsNumber(a), p -> true));
            default -> Optional.empty();
        };
    }

    private interface Chooser {
        Preference choose(String prompt, String first, String second);
    }

    private static Rule rule(String name, String description, Chooser chooser,
                             java.util.function.BiPredicate<String, String> satisfied, java.util.function.Predicate<String> applies) {
        return new Rule() {
            public String name() {
                return name;
            }

            public String description() {
                return description;
            }

            public Preference choose(String prompt, String first, String second) {
                return chooser.choose(prompt, first, second);
            }

            public boolean satisfiedBy(String prompt, String answer) {
                return satisfied.test(prompt, answer);
            }

            public boolean appliesTo(String prompt) {
                return applies.test(prompt);
            }
        };
    }

    /** The words of a text, lower case, as the rules see them: maximal runs of letters. */
    public static List<String> words(String text) {
        return lowerWords(text);
    }

    /** Words as {@link #preferShorter} counts them: maximal runs of letters. */
    public static int wordCount(String text) {
        return Text.words(text).size();
    }

    private static List<String> lowerWords(String text) {
        return Text.words(text.toLowerCase(Locale.ROOT));
    }
}
