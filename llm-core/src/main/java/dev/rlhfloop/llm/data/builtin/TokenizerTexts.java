package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.InstructionData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Texts to test and measure tokenizers on, generated here from a seed: varied English grown from
 * the built-in corpus, the built-in instruction data in the book's JSON layout, and hostile
 * unicode. Main code, not test code, because the benchmarks measure on the same texts the tests
 * check, and a shipped tool must not depend on a test jar.
 */
public final class TokenizerTexts {

    private TokenizerTexts() {}

    private static final String[] HOSTILE_FRAGMENTS = {
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

    /** Words outside ASCII mixed into {@link #english}, so the text does not stay pure ASCII. */
    private static final String[] FOREIGN_WORDS = {" naïve", " café", " 東京", " Zürich", " ½", " déjà vu", " 🙂"};

    /** Characters of built-in corpus the English sentences are drawn from: enough variety, generated in well under a second. */
    private static final int SENTENCE_POOL_CHARS = 300_000;

    /** A string of random hostile fragments and random code points (never lone surrogates). */
    public static String hostile(Random random, int pieces) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            int kind = random.nextInt(10);
            if (kind < 6) {
                text.append(HOSTILE_FRAGMENTS[random.nextInt(HOSTILE_FRAGMENTS.length)]);
            } else if (kind < 8) {
                text.appendCodePoint(randomCodePoint(random));
            } else if (kind < 9) {
                text.append(" ".repeat(random.nextInt(4)));
            } else {
                // a long run: exercises pieces longer than the small-piece merge loop handles
                String unit = HOSTILE_FRAGMENTS[random.nextInt(HOSTILE_FRAGMENTS.length)];
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

    /**
     * About {@code chars} characters of varied English: the built-in corpus's sentences shuffled,
     * with numbers, dates and the odd foreign word mixed in, so the text neither repeats verbatim
     * nor stays pure ASCII. The same seed gives the same text.
     */
    public static String english(int chars, long seed) {
        if (chars < 0) {
            throw new IllegalArgumentException("chars must be >= 0, got " + chars);
        }
        Random random = new Random(seed);
        String pool = String.join("\n\n", new BuiltinData(seed).corpus(Math.min(chars, SENTENCE_POOL_CHARS)));
        List<String> sentences = new ArrayList<>(List.of(pool.split("(?<=[.!?])\\s+")));
        StringBuilder text = new StringBuilder(chars + 1024);
        while (text.length() < chars) {
            Collections.shuffle(sentences, random);
            for (String sentence : sentences) {
                text.append(sentence);
                switch (random.nextInt(6)) {
                    case 0 -> text.append(" (").append(random.nextInt(100_000)).append(")");
                    case 1 -> text.append(" In ").append(1850 + random.nextInt(150)).append(',');
                    case 2 -> text.append(FOREIGN_WORDS[random.nextInt(FOREIGN_WORDS.length)]);
                    default -> { }
                }
                text.append(random.nextInt(8) == 0 ? "\n\n" : " ");
                if (text.length() >= chars) {
                    break;
                }
            }
        }
        return text.toString();
    }

    /** {@code examples} built-in instruction examples as the book's JSON file would hold them (a list of instruction/input/output objects). */
    public static String instructionJson(int examples, long seed) {
        try {
            return InstructionData.toJson(new BuiltinData(seed).trainingExamples(examples));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
