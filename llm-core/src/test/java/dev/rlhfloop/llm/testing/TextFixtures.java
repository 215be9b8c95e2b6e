package dev.rlhfloop.llm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Texts for tokenizer tests and benchmarks: hostile unicode, and large corpora grown from the-verdict. */
public final class TextFixtures {

    private TextFixtures() {}

    private static final String[] FRAGMENTS = {
        // emoji with skin-tone modifiers, ZWJ families, flags, keycaps, variation selectors
        "👍🏽", "👩‍👩‍👧‍👦", "🧑🏿‍🚀", "🏳️‍🌈", "🇩🇪🇯🇵", "1️⃣", "❤️", "🤷‍♀️", "😀😃😄",
        // CJK, Japanese, Korean, Arabic, Hebrew, Devanagari, Thai
        "漢字テスト", "中文分词很难", "ひらがなカタカナ", "한국어 텍스트", "مرحبا بالعالم", "שָׁלוֹם", "नमस्ते दुनिया", "ภาษาไทย",
        // combining marks, precomposed vs decomposed
        "e\u0301", "a\u0308\u0304", "Z\u0351\u0352\u0353\u0354", "ñ", "n\u0303",
        // zero-width and non-breaking spaces, BOM, other unicode spaces
        "\u200B", "\u200C", "\u200D", "\uFEFF", "\u00A0", "\u2009", "\u202F", "\u3000", "\u2028", "\u0085", "\u180E",
        // whitespace runs
        "   ", "\t\t", "\n\n\n", "\r\n", " \n ", "        ", "\u000B\u000C", " \t \n",
        // contractions, including capitals and doubles
        "don't", "I'm", "we'll", "you're", "they've", "he'd", "it's", "IT'S", "'s", "''", "'ll've", "rock'n'roll", " 's",
        // numbers
        "42", "3.14159", "1,000,000", "-7", "0x1F", "1e-9", "²³", "Ⅻ", "٣٤٥", "１２３", "½",
        // code
        "for (int i = 0; i < n; i++) {", "}\n", "    return x;", "def f(x):\n    return x**2", "a->b", "x != y && z",
        "<|endoftext|>", "<|endoftext", "<|", "|>", "#include <stdio.h>", "\"quoted\"", "/* c */", "// c++",
        // punctuation soup and symbols
        "...", "?!", "--", "—", "«»", "…", "@#$%^&*", "€£¥", "∑∫√", "→⇒", "\\\\",
        // plain words
        "Hello", " world", "the", " quick", " brown", " fox", "ABC", "x", " ",
    };

    /** A string of random hostile fragments and random code points (never lone surrogates). */
    public static String adversarial(Random random, int pieces) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            int kind = random.nextInt(10);
            if (kind < 6) {
                text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
            } else if (kind < 8) {
                text.appendCodePoint(randomCodePoint(random));
            } else if (kind < 9) {
                text.append(" ".repeat(random.nextInt(4)));
            } else {
                // a long run: exercises pieces longer than the small-piece merge loop handles
                String unit = FRAGMENTS[random.nextInt(FRAGMENTS.length)];
                text.append(unit.repeat(1 + random.nextInt(60)));
            }
        }
        return text.toString();
    }

    private static int randomCodePoint(Random random) {
        while (true) {
            int cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x3000);
            if (Character.isDefined(cp) && Character.getType(cp) != Character.SURROGATE) {
                return cp;
            }
        }
    }

    public static String theVerdict() {
        return read("the-verdict.txt");
    }

    public static String read(String sharedFile) {
        try {
            return Files.readString(SharedData.file(sharedFile), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * About {@code bytes} of varied English: the-verdict's sentences shuffled, with numbers, dates
     * and the odd foreign word mixed in, so the text neither repeats verbatim nor stays pure ASCII.
     */
    public static String corpus(int bytes, long seed) {
        Random random = new Random(seed);
        List<String> sentences = new ArrayList<>(List.of(theVerdict().split("(?<=[.!?])\\s+")));
        String[] extras = {" naïve", " café", " 東京", " Zürich", " ½", " déjà vu", " 🙂"};
        StringBuilder text = new StringBuilder(bytes + 1024);
        while (text.length() < bytes) {
            Collections.shuffle(sentences, random);
            for (String sentence : sentences) {
                text.append(sentence);
                switch (random.nextInt(6)) {
                    case 0 -> text.append(" (").append(random.nextInt(100_000)).append(")");
                    case 1 -> text.append(" In ").append(1850 + random.nextInt(150)).append(',');
                    case 2 -> text.append(extras[random.nextInt(extras.length)]);
                    default -> { }
                }
                text.append(random.nextInt(8) == 0 ? "\n\n" : " ");
                if (text.length() >= bytes) {
                    break;
                }
            }
        }
        return text.toString();
    }
}
