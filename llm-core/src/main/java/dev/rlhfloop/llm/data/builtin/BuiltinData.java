package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.LabeledText;
import dev.rlhfloop.llm.data.builtin.Facts.Fact;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The project's own data, generated from a seed with no download: a pretraining corpus about a
 * small world, instruction data whose answers can be checked (with a held-out set), and the prompt
 * pool for raters. The same seed gives the same bytes on every machine and JDK.
 *
 * <p>The split is by what a question is about, not by its wording: a held-out answer is never the
 * answer of a training example (so a held-out "What is 3 plus 4?" is not taught by a trained "Add
 * the two numbers. 3 and 4"), nor a held-out sentence or list counted or picked from in training
 * (see {@link InstructionGenerator#splitKey}); and the held-out fact questions ask about facts that no training question asks about:
 * a model learns those answers only from what it read (in the corpus, and in the open answers
 * that retell it), or by doing the task (adding, copying, reversing, ...).
 */
public final class BuiltinData {

    public static final long DEFAULT_SEED = 42;
    public static final long DEFAULT_CORPUS_CHARS = 4_000_000;
    public static final int DEFAULT_TRAIN_EXAMPLES = 6_000;
    public static final int DEFAULT_HELDOUT_EXAMPLES = 600;
    /** One training example in this many is a question from outside the world ({@link UnknownQuestions}). */
    public static final int UNKNOWN_EVERY = 12;
    /** The task name of those questions. */
    public static final String UNKNOWN_TASK = "unknown";
    /** The task of open-ended instructions: the prompts raters see (the pool's kind), answered in the corpus' style. */
    public static final String OPEN_TASK = "open";
    /** Share of the world's facts whose questions are kept for the held-out set. */
    public static final double HELDOUT_FACT_SHARE = 0.2;
    /** Share of all possible checkable answers (or counted sentences and picked-from lists) kept for the held-out set. */
    public static final double HELDOUT_SHARE = 0.15;
    /** Messages in the built-in classification set; about {@link #SPAM_SHARE} of them spam, as in the UCI SMS Spam Collection (13%). */
    public static final int DEFAULT_CLASSIFICATION_MESSAGES = 4_000;
    public static final double SPAM_SHARE = 0.15;

    private final long seed;
    private final World world;
    private final List<Fact> trainFacts;
    private final List<Fact> heldOutFacts;

    public BuiltinData(long seed) {
        this.seed = seed;
        this.world = World.generate(seed);
        List<Fact> facts = World.shuffled(Facts.of(world), new Random(seed + 4));
        int heldOut = (int) Math.round(facts.size() * HELDOUT_FACT_SHARE);
        this.heldOutFacts = List.copyOf(facts.subList(0, heldOut));
        this.trainFacts = List.copyOf(facts.subList(heldOut, facts.size()));
    }

    public long seed() {
        return seed;
    }

    public World world() {
        return world;
    }

    /** Pretraining documents (stories, facts, dialogues, ...) of about {@code targetChars} characters in all. */
    public List<String> corpus(long targetChars) {
        return new CorpusGenerator(world, seed + 1).documents(targetChars);
    }

    public List<String> corpus() {
        return corpus(DEFAULT_CORPUS_CHARS);
    }

    /**
     * Training examples: checkable tasks, open ones, questions about the training share of facts,
     * and every {@value #UNKNOWN_EVERY}th a question from outside the world answered "I do not know."
     */
    public List<InstructionExample> trainingExamples(int count) {
        int unknown = count / UNKNOWN_EVERY;
        List<InstructionExample> tasks = new InstructionGenerator(world, trainFacts, seed + 2).examples(count - unknown, true, false,
                key -> !isHeldOut(key));
        List<InstructionExample> questions = new UnknownQuestions(seed + 7).examples(unknown);
        List<InstructionExample> examples = new ArrayList<>(count);
        for (int i = 0, t = 0, q = 0; i < count; i++) {
            examples.add(i % UNKNOWN_EVERY == UNKNOWN_EVERY - 1 ? questions.get(q++) : tasks.get(t++));
        }
        return examples;
    }

    public List<InstructionExample> trainingExamples() {
        return trainingExamples(DEFAULT_TRAIN_EXAMPLES);
    }

    /**
     * The training examples an SFT mix keeps the policy on: every task but the open ones, whose
     * prompts are the kind raters vote on — mixing their SFT answers back in would pull against the votes.
     */
    public List<InstructionExample> mixExamples() {
        return trainingExamples().stream().filter(e -> !e.task().equals(OPEN_TASK)).toList();
    }

    /** Distinct checkable examples for exact-match scoring, from the held-out share of questions and facts. */
    public List<InstructionExample> heldOutExamples(int count) {
        return new InstructionGenerator(world, heldOutFacts, seed + 3).examples(count, false, true, this::isHeldOut);
    }

    public List<InstructionExample> heldOutExamples() {
        return heldOutExamples(DEFAULT_HELDOUT_EXAMPLES);
    }

    /**
     * Whether a checkable question's split key (its answer, or the sentence or list it counts or
     * picks from) belongs to the held-out share: a fixed {@link #HELDOUT_SHARE} of all possible
     * keys, chosen by hashing with the seed, so the split needs no bookkeeping and even small task
     * spaces (plurals, opposites) give both sides.
     */
    public boolean isHeldOut(String splitKey) {
        return new SplittableRandom(splitKey.hashCode() * 0x9E3779B97F4A7C15L + seed).nextDouble() < HELDOUT_SHARE;
    }

    /**
     * Text messages labelled {@code spam} or {@code ham}, imbalanced like the book's SMS data, for
     * classification fine-tuning (balance and split them with {@link dev.rlhfloop.llm.data.ClassificationData}).
     */
    public List<LabeledText> classificationMessages(int count) {
        return new MessageGenerator(seed + 6).messages(count, SPAM_SHARE);
    }

    public List<LabeledText> classificationMessages() {
        return classificationMessages(DEFAULT_CLASSIFICATION_MESSAGES);
    }

    /** Open prompts for raters, most naming an animal. */
    public List<String> prompts() {
        return PromptPool.prompts(world, seed + 5);
    }

    /**
     * The kind of each of {@link #prompts}, by its text: "animal", "animal story", "job", "person",
     * "person story". A rule's share by kind shows which prompts the votes have not reached.
     */
    public Map<String, String> promptKinds() {
        Map<String, String> kinds = new HashMap<>();
        for (InstructionGenerator.OpenPrompt prompt : PromptPool.openPrompts(world)) {
            kinds.put(prompt.text(), prompt.kind().label);
        }
        return kinds;
    }

    /**
     * {@link #prompts} with every kind as often ({@link #everyKindAlike}): the pool online pairs draw
     * fresh prompts from, so the reward model's pairs reach the kinds of prompt votes seldom reach.
     */
    public List<String> promptsEveryKindAlike() {
        return everyKindAlike(prompts(), promptKinds());
    }

    /**
     * {@code prompts} grouped by their {@code kinds} (unknown: "other"), each group's prompts repeated in
     * turn up to the size of the largest group, so a prompt drawn from the list is of every kind alike.
     * The raters' pool is 70% animal stories and 3% jobs: drawn from as it is, ~2 of 8 fresh prompts per
     * update would be anything but a story.
     */
    public static List<String> everyKindAlike(List<String> prompts, Map<String, String> kinds) {
        Map<String, List<String>> byKind = new TreeMap<>();
        for (String prompt : prompts) byKind.computeIfAbsent(kinds.getOrDefault(prompt, "other"), k -> new ArrayList<>()).add(prompt);
        int largest = byKind.values().stream().mapToInt(List::size).max().orElse(0);
        List<String> alike = new ArrayList<>();
        for (List<String> group : byKind.values()) {
            for (int i = 0; i < largest; i++) alike.add(group.get(i % group.size()));
        }
        return List.copyOf(alike);
    }

    /** Writes prompts as a JSON list of strings. */
    public static void writePrompts(Path file, List<String> prompts) throws IOException {
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(prompts) + "\n", StandardCharsets.UTF_8);
    }

    /** Reads a JSON list of prompt strings, such as {@code prompts.json} written by {@code llm data}. */
    public static List<String> readPrompts(Path file) throws IOException {
        JsonNode list;
        try {
            list = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": line " + e.getLocation().getLineNr() + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (list == null || !list.isArray()) {
            throw new IllegalArgumentException(file + ": expected a JSON list of prompt strings");
        }
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isTextual() || list.get(i).textValue().isBlank()) {
                throw new IllegalArgumentException(file + ": entry " + (i + 1) + ": a prompt must be a non-empty string");
            }
            prompts.add(list.get(i).textValue());
        }
        return prompts;
    }

    /** The canonical answers to every fact of the world; each appears in the corpus word for word. */
    public List<String> factAnswers() {
        List<String> answers = new ArrayList<>();
        Facts.of(world).forEach(fact -> answers.add(fact.answer()));
        return answers;
    }
}
