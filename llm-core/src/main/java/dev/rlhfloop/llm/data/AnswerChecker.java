package dev.rlhfloop.llm.data;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exact-match scoring of a model's answers: an answer counts if it equals the reference after
 * trimming, ignoring case and a trailing period. Tasks whose point is the case (uppercasing) are
 * compared with case. Beside it, the mean token F1 (SQuAD's: the overlap of the answer's and the
 * reference's lower-cased words, punctuation dropped), which gives open answers partial credit.
 */
public final class AnswerChecker {

    /** Tasks where letter case is the answer, so it is not normalised away. */
    private static final List<String> CASE_SENSITIVE_TASKS = List.of("uppercase");

    /** Correct answers out of total, overall and per task (tasks in name order), and the mean token F1 over all answers. */
    public record Score(int correct, int total, Map<String, int[]> perTask, double tokenF1) {

        public double accuracy() {
            return total == 0 ? 0 : (double) correct / total;
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%d/%d = %.1f%%", correct, total, 100 * accuracy()));
            perTask.forEach((task, counts) -> text.append(String.format(Locale.ROOT, "  %s %d/%d", task, counts[0], counts[1])));
            return text.toString();
        }
    }

    private AnswerChecker() {}

    public static String normalize(String answer, boolean ignoreCase) {
        String text = answer.strip();
        while (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1).stripTrailing();
        }
        return ignoreCase ? text.toLowerCase(Locale.ROOT) : text;
    }

    public static boolean matches(String expected, String actual, boolean ignoreCase) {
        return normalize(expected, ignoreCase).equals(normalize(actual, ignoreCase));
    }

    public static boolean isCorrect(InstructionExample example, String answer) {
        return matches(example.output(), answer, !CASE_SENSITIVE_TASKS.contains(example.task()));
    }

    /**
     * The response part of a generation that continued past its answer: everything before the
     * first end-of-text marker or the next {@code ###} section header, trimmed.
     */
    public static String responseOf(String generated) {
        String text = generated;
        int end = text.indexOf(TextCorpus.END_OF_TEXT);
        if (end >= 0) {
            text = text.substring(0, end);
        }
        int section = text.indexOf("\n###");
        if (section >= 0) {
            text = text.substring(0, section);
        }
        return text.strip();
    }

    /**
     * SQuAD's token F1 of an answer against the reference: both lower-cased, punctuation dropped,
     * split into words; the harmonic mean of the shared words' precision and recall (counted with
     * multiplicity). Two empty answers agree fully.
     */
    public static double tokenF1(String expected, String actual) {
        List<String> reference = words(expected);
        List<String> answer = words(actual);
        if (reference.isEmpty() || answer.isEmpty()) {
            return reference.isEmpty() && answer.isEmpty() ? 1 : 0;
        }
        Map<String, Integer> left = new java.util.HashMap<>();
        reference.forEach(w -> left.merge(w, 1, Integer::sum));
        int shared = 0;
        for (String w : answer) {
            Integer n = left.get(w);
            if (n != null && n > 0) {
                left.put(w, n - 1);
                shared++;
            }
        }
        if (shared == 0) {
            return 0;
        }
        double precision = (double) shared / answer.size();
        double recall = (double) shared / reference.size();
        return 2 * precision * recall / (precision + recall);
    }

    private static List<String> words(String text) {
        String plain = text.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}]", " ").strip();
        return plain.isEmpty() ? List.of() : List.of(plain.split("\\s+"));
    }

    /** Scores answers given in the order of the examples. */
    public static Score score(List<InstructionExample> examples, List<String> answers) {
        if (examples.size() != answers.size()) {
            throw new IllegalArgumentException(examples.size() + " examples but " + answers.size() + " answers");
        }
        int correct = 0;
        double f1 = 0;
        Map<String, int[]> perTask = new TreeMap<>();
        for (int i = 0; i < examples.size(); i++) {
            f1 += tokenF1(examples.get(i).output(), answers.get(i));
            boolean right = isCorrect(examples.get(i), answers.get(i));
            int[] counts = perTask.computeIfAbsent(examples.get(i).task(), task -> new int[2]);
            counts[1]++;
            if (right) {
                counts[0]++;
                correct++;
            }
        }
        return new Score(correct, examples.size(), perTask, examples.isEmpty() ? 0 : f1 / examples.size());
    }
}
