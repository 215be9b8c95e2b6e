package dev.rlhfloop.inference;

import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionExample;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A wrong answer to a checkable task that reads like the right one, so a gold comparison asks the
 * rater to check the content, not to spot the odd one out: the reference with its last number
 * changed ("16 minus 15 is 3."), its last word swapped for the last word of another answer of the
 * same task that ends the same way ("The opposite of happy is tall.", "Ella lives in Hillside."),
 * or, for uppercasing, the word left in lower case. Failing those, another answer of the same task.
 */
final class WrongAnswers {
    private static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve");
    private static final Pattern LAST_NUMBER = Pattern.compile("(\\d+)(?!.*\\d)", Pattern.DOTALL);
    private static final Pattern LAST_WORD = Pattern.compile("(\\S+)\\s+(\\p{L}+)(\\W*)$");

    private WrongAnswers() {}

    static Optional<String> of(InstructionExample task, List<InstructionExample> sameTaskPool, RandomGenerator random) {
        String reference = task.output();
        for (String candidate : new String[] {changedNumber(reference, random), changedNumberWord(reference, random),
                task.task().equals("uppercase") ? reference.toLowerCase(java.util.Locale.ROOT) : null,
                swappedLastWord(reference, task, sameTaskPool, random)}) {
            if (candidate != null && !AnswerChecker.isCorrect(task, candidate)) return Optional.of(candidate);
        }
        List<String> others = sameTaskPool.stream()
                .filter(t -> t.task().equals(task.task()) && !AnswerChecker.isCorrect(task, t.output()))
                .map(InstructionExample::output).distinct().toList();
        return others.isEmpty() ? Optional.empty() : Optional.of(others.get(random.nextInt(others.size())));
    }

    private static String changedNumber(String reference, RandomGenerator random) {
        Matcher m = LAST_NUMBER.matcher(reference);
        if (!m.find()) return null;
        long n = Long.parseLong(m.group(1));
        long d = 1 + random.nextInt(3);
        long wrong = n >= d && random.nextBoolean() ? n - d : n + d;
        return reference.substring(0, m.start(1)) + wrong + reference.substring(m.end(1));
    }

    private static String changedNumberWord(String reference, RandomGenerator random) {
        String[] words = reference.split(" ", -1);
        for (int i = words.length - 1; i >= 0; i--) {
            String bare = words[i].replaceAll("\\W+$", "");
            int n = NUMBER_WORDS.indexOf(bare.toLowerCase(java.util.Locale.ROOT));
            if (n < 0) continue;
            int wrong = (n + 1 + random.nextInt(NUMBER_WORDS.size() - 1)) % NUMBER_WORDS.size();
            String replaced = NUMBER_WORDS.get(wrong);
            if (Character.isUpperCase(bare.charAt(0))) replaced = Character.toUpperCase(replaced.charAt(0)) + replaced.substring(1);
            words[i] = replaced + words[i].substring(bare.length());
            return String.join(" ", words);
        }
        return null;
    }

    private static String swappedLastWord(String reference, InstructionExample task, List<InstructionExample> pool, RandomGenerator random) {
        Matcher mine = LAST_WORD.matcher(reference);
        if (!mine.find()) return null;
        List<String> donors = pool.stream()
                .filter(t -> t.task().equals(task.task()))
                .map(t -> LAST_WORD.matcher(t.output()))
                .filter(m -> m.find() && m.group(1).equalsIgnoreCase(mine.group(1)) && !m.group(2).equalsIgnoreCase(mine.group(2)))
                .map(m -> m.group(2))
                .distinct().toList();
        if (donors.isEmpty()) return null;
        return reference.substring(0, mine.start(2)) + donors.get(random.nextInt(donors.size())) + mine.group(3);
    }
}
