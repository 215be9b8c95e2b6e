package dev.rlhfloop.llm.data.builtin;

import java.util.List;
import java.util.Random;

/** Small helpers for writing English sentences. */
final class Text {

    private Text() {}

    /** "a ball", "an owl", "an orange kite". */
    static String a(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }

    static String capitalize(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /** "a, b and c" */
    static String and(List<String> items) {
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " and " + items.get(items.size() - 1);
    }

    static String pick(Random random, String... options) {
        return options[random.nextInt(options.length)];
    }

    static <T> T pick(Random random, List<T> options) {
        return options.get(random.nextInt(options.size()));
    }

    /** {@code n} distinct items in random order. */
    static <T> List<T> distinct(Random random, List<T> options, int n) {
        return World.shuffled(options, random).subList(0, n);
    }

    /** The words of a text: maximal runs of letters ("Mia's" gives "Mia" and "s"). */
    static List<String> words(String text) {
        List<String> words = new java.util.ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean letter = i < text.length() && Character.isLetter(text.charAt(i));
            if (letter && start < 0) {
                start = i;
            } else if (!letter && start >= 0) {
                words.add(text.substring(start, i));
                start = -1;
            }
        }
        return words;
    }
}
