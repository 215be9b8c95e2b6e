package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.AlpacaFormat;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a model answers to questions from outside the built-in world: the 50 fixed prompts of
 * {@value #PROMPTS_RESOURCE} are answered greedily (Alpaca format, as a rater's prompt is), and
 * each answer is checked for two things: is it made only of English words (a dictionary such as
 * Debian's {@code wamerican} list, plus the built-in world's vocabulary), and does it say, in some
 * form, that the model does not know.
 */
public final class OutOfDomain {

    static final String PROMPTS_RESOURCE = "/dev/rlhfloop/llm/data/out-of-domain-prompts.txt";
    /** Debian's {@code wamerican} package installs its list here. */
    public static final Path DEFAULT_DICTIONARY = Path.of("/usr/share/dict/american-english");
    /** Room for a short answer; a model that rambles is cut here and judged on what it wrote. */
    public static final int MAX_NEW_TOKENS = 40;

    /** Ways of saying "I do not know", lower-cased, apostrophes straight. */
    private static final Pattern DOES_NOT_KNOW = Pattern.compile(
            "\\b(?:(?:do|does|did) not|don't|doesn't|didn't|can't|cannot|can not) (?:know|tell|say|answer)\\b"
                    + "|\\bno idea\\b|\\bnot sure\\b|\\bunknown to me\\b|\\bi am not able\\b|\\bi'm not able\\b|\\bunable to\\b");
    /** A word: letters, optionally joined by apostrophes ("don't", "Mia's"). */
    private static final Pattern WORD = Pattern.compile("\\p{L}+(?:'\\p{L}+)*");

    /** One prompt, the model's answer and how it was judged. */
    public record Answer(String prompt, String answer, boolean english, boolean doesNotKnow) {}

    /** The answers and the two counts the issue sets targets for (≥ 90% English, ≥ 50% "does not know"). */
    public record Report(List<Answer> answers) {

        public int englishAnswers() {
            return (int) answers.stream().filter(Answer::english).count();
        }

        public int doesNotKnowAnswers() {
            return (int) answers.stream().filter(Answer::doesNotKnow).count();
        }

        @Override
        public String toString() {
            int n = answers.size();
            return String.format(Locale.ROOT, "English words %d/%d = %.1f%%, does not know %d/%d = %.1f%%", englishAnswers(), n,
                    n == 0 ? 0 : 100.0 * englishAnswers() / n, doesNotKnowAnswers(), n, n == 0 ? 0 : 100.0 * doesNotKnowAnswers() / n);
        }
    }

    /** The lower-cased words an answer may use. */
    public record Vocabulary(Set<String> words) {

        public Vocabulary {
            Set<String> lower = new HashSet<>();
            words.forEach(w -> lower.add(w.toLowerCase(Locale.ROOT)));
            words = Set.copyOf(lower);
        }

        /** A dictionary file (a word per line) plus more words; the dictionary's path is in the message if it is missing. */
        public static Vocabulary of(Path dictionary, Collection<String> more) throws IOException {
            if (!Files.isRegularFile(dictionary)) {
                throw new IOException(dictionary + ": no word list (on Debian or Ubuntu: apt-get install wamerican)");
            }
            Set<String> words = new HashSet<>(more);
            for (String line : Files.readAllLines(dictionary, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    words.add(line.strip());
                }
            }
            return new Vocabulary(words);
        }

        /** Whether the answer has words and every one of them is known (a possessive or contraction counts by its stem). */
        public boolean isEnglish(String answer) {
            List<String> found = OutOfDomain.words(answer);
            return !found.isEmpty() && found.stream().allMatch(this::knows);
        }

        private boolean knows(String word) {
            String lower = word.toLowerCase(Locale.ROOT);
            int apostrophe = lower.indexOf('\'');
            return words.contains(lower) || (apostrophe > 0 && words.contains(lower.substring(0, apostrophe)));
        }
    }

    private OutOfDomain() {}

    /** The 50 fixed prompts, in file order. */
    public static List<String> prompts() {
        try (InputStream in = OutOfDomain.class.getResourceAsStream(PROMPTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + PROMPTS_RESOURCE);
            }
            List<String> prompts = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    prompts.add(line.strip());
                }
            }
            return List.copyOf(prompts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The built-in world's words: its corpus, instruction data and rater prompts (as the default
     * seed generates them), without the subjects of the "I do not know" questions.
     */
    public static Set<String> builtinWords() {
        BuiltinData data = new BuiltinData(BuiltinData.DEFAULT_SEED);
        Set<String> words = new HashSet<>();
        data.corpus(BuiltinData.DEFAULT_CORPUS_CHARS / 4).forEach(text -> words.addAll(words(text)));
        data.trainingExamples(2_000).stream().filter(e -> !e.task().equals(BuiltinData.UNKNOWN_TASK)) // their subjects are not the world's
                .forEach(e -> words.addAll(words(e.instruction() + " " + e.input() + " " + e.output())));
        data.prompts().forEach(p -> words.addAll(words(p)));
        return words;
    }

    /** Whether an answer says, in some form, that the model does not know. */
    public static boolean saysItDoesNotKnow(String answer) {
        return DOES_NOT_KNOW.matcher(answer.toLowerCase(Locale.ROOT).replace('\u2019', '\'')).find();
    }

    /** The words of a text, in order (numbers and punctuation are not words). */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(text.replace('\u2019', '\''));
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    /** Judges answers already given to {@code prompts}. */
    public static Report judge(List<String> prompts, List<String> answers, Vocabulary vocabulary) {
        if (prompts.size() != answers.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + answers.size() + " answers");
        }
        List<Answer> judged = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            String answer = answers.get(i);
            judged.add(new Answer(prompts.get(i), answer, vocabulary.isEnglish(answer), saysItDoesNotKnow(answer)));
        }
        return new Report(List.copyOf(judged));
    }

    /** The model's greedy answers to {@code prompts} (as Alpaca instructions), judged. */
    public static Report evaluate(Gpt model, Tokenizer tokenizer, List<String> prompts, Vocabulary vocabulary) {
        Generator generator = new Generator(model);
        List<String> answers = new ArrayList<>(prompts.size());
        for (String prompt : prompts) {
            answers.add(ExactMatch.answer(generator, tokenizer, AlpacaFormat.prompt(prompt, ""), MAX_NEW_TOKENS));
        }
        return judge(prompts, answers, vocabulary);
    }
}
