package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.Facts.Fact;
import dev.rlhfloop.llm.data.builtin.Lexicon.Animal;
import dev.rlhfloop.llm.data.builtin.Lexicon.Job;
import dev.rlhfloop.llm.data.builtin.World.Person;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.HashSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Instruction/response pairs in the Alpaca format. Checkable tasks (arithmetic, word and list
 * tasks, questions about the world's facts) have exactly one right answer; open tasks (describe an
 * animal, tell a story, what does a job do) come from the same templates as the rater prompt pool
 * and mention the prompt's animal in only {@link #MENTION_RATE} of their answers, which leaves
 * preference tuning something to teach.
 */
final class InstructionGenerator {

    /** Share of open answers about an animal that call the animal by its name. */
    static final double MENTION_RATE = 0.35;

    static final List<String> CHECKABLE_TASKS = List.of("add", "subtract", "multiply", "reverse", "uppercase", "count-letters",
            "count-words", "first", "last", "sort", "opposite", "plural", "fact");

    private static final int[] CHECKABLE_WEIGHTS = {8, 7, 7, 6, 4, 5, 4, 4, 4, 5, 6, 6, 22};
    private static final int OPEN_WEIGHT = 22;

    private final World world;
    private final List<Fact> facts;
    private final Random random;
    private final CorpusGenerator stories;
    private final List<String> listWords;
    private final List<List<OpenPrompt>> openPromptsByKind;

    /** {@code facts} are the facts this generator may ask about (the training or the held-out share). */
    InstructionGenerator(World world, List<Fact> facts, long seed) {
        this.world = world;
        this.facts = facts;
        this.random = new Random(seed);
        this.stories = new CorpusGenerator(world, seed ^ 0x5DEECE66DL);
        List<String> words = new ArrayList<>();
        Lexicon.ANIMALS.forEach(a -> words.add(a.name()));
        words.addAll(Lexicon.COLORS);
        words.addAll(Lexicon.OBJECTS);
        words.addAll(Lexicon.FOODS);
        words.addAll(Lexicon.PLACES);
        this.listWords = List.copyOf(words);
        // Each kind alike, not each prompt: animal stories are most of the pool, and a kind the SFT
        // model has seen a few dozen times (jobs) it answers too poorly for a vote to choose between.
        this.openPromptsByKind = List.copyOf(PromptPool.openPrompts(world).stream()
                .collect(Collectors.groupingBy(OpenPrompt::kind, () -> new EnumMap<>(OpenKind.class), Collectors.toList())).values());
    }

    /**
     * {@code count} examples whose checkable questions' {@link #splitKey}s pass {@code allowed}
     * (facts are chosen by the generator's fact list instead). With {@code distinct}, no question repeats.
     */
    List<InstructionExample> examples(int count, boolean withOpenTasks, boolean distinct, Predicate<String> allowed) {
        List<InstructionExample> examples = new ArrayList<>(count);
        Set<String> seen = new HashSet<>();
        int total = OPEN_WEIGHT;
        for (int weight : CHECKABLE_WEIGHTS) {
            total += weight;
        }
        int attempts = 0;
        while (examples.size() < count) {
            if (++attempts > 1000 * count + 10_000) {
                throw new IllegalStateException("cannot find " + count + " examples; only " + examples.size());
            }
            int roll = random.nextInt(withOpenTasks ? total : total - OPEN_WEIGHT);
            InstructionExample example = null;
            for (int t = 0; t < CHECKABLE_WEIGHTS.length && example == null; t++) {
                if (roll < CHECKABLE_WEIGHTS[t]) {
                    example = checkable(CHECKABLE_TASKS.get(t));
                }
                roll -= CHECKABLE_WEIGHTS[t];
            }
            if (example == null) {
                examples.add(open());
            } else if ((example.task().equals("fact") || allowed.test(splitKey(example)))
                    && (!distinct || seen.add(example.questionKey()))) {
                examples.add(example);
            }
        }
        return examples;
    }

    /** Tasks whose answer is one of a few labels or items: the sentence or list asked about is what must be new. */
    static final List<String> LABEL_TASKS = List.of("count-words", "first", "last");

    /**
     * What a checkable question is about, the unit of the held-out split: its answer (a sum, a
     * plural, a reversed list, ...), which every wording of the question shares; for
     * {@link #LABEL_TASKS}, whose few answers recur, the sentence or list it counts or picks from.
     */
    static String splitKey(InstructionExample example) {
        return (LABEL_TASKS.contains(example.task()) ? example.task() + ":" + example.input() : example.output());
    }

    InstructionExample checkable(String task) {
        return switch (task) {
            case "add" -> {
                int a = random.nextInt(21);
                int b = random.nextInt(21);
                yield arithmetic(task, a, b, "plus", "+", "Add the two numbers.", a + b);
            }
            case "subtract" -> {
                int a = random.nextInt(21);
                int b = random.nextInt(a + 1);
                yield arithmetic(task, a, b, "minus", "-", "Subtract the second number from the first.", a - b);
            }
            case "multiply" -> {
                int a = random.nextInt(13);
                int b = random.nextInt(13);
                yield arithmetic(task, a, b, "times", "*", "Multiply the two numbers.", a * b);
            }
            case "reverse" -> {
                List<String> items = items(3 + random.nextInt(3));
                List<String> reversed = new ArrayList<>(items);
                Collections.reverse(reversed);
                yield new InstructionExample(Text.pick(random, "Reverse the order of the words.", "Reverse the list.",
                        "Write the words in reverse order."), String.join(", ", items), String.join(", ", reversed), task);
            }
            case "uppercase" -> {
                String word = Text.pick(random, listWords);
                String upper = word.toUpperCase(Locale.ROOT);
                yield random.nextBoolean()
                        ? new InstructionExample(Text.pick(random, "Write the word in capital letters.", "Convert the word to uppercase."), word, upper, task)
                        : new InstructionExample("Write the word " + word + " in capital letters.", "", upper, task);
            }
            case "count-letters" -> {
                String word = Text.pick(random, listWords);
                String answer = "The word " + word + " has " + word.length() + " letters.";
                yield random.nextBoolean()
                        ? new InstructionExample("How many letters are in the word?", word, answer, task)
                        : new InstructionExample("How many letters are in the word " + word + "?", "", answer, task);
            }
            case "count-words" -> {
                String sentence = shortSentence();
                yield new InstructionExample(Text.pick(random, "How many words are in the sentence?", "Count the words in the sentence."),
                        sentence, "The sentence has " + Text.words(sentence).size() + " words.", task);
            }
            case "first", "last" -> {
                List<String> items = items(3 + random.nextInt(3));
                String answer = task.equals("first") ? items.get(0) : items.get(items.size() - 1);
                yield new InstructionExample(Text.pick(random, "What is the " + task + " item in the list?",
                        "Name the " + task + " word in the list."), String.join(", ", items), answer, task);
            }
            case "sort" -> {
                List<String> items = items(3 + random.nextInt(3));
                List<String> sorted = new ArrayList<>(items);
                Collections.sort(sorted);
                yield new InstructionExample(Text.pick(random, "Sort the words in alphabetical order.", "Put the words in alphabetical order."),
                        String.join(", ", items), String.join(", ", sorted), task);
            }
            case "opposite" -> {
                List<String> pair = Text.pick(random, Lexicon.OPPOSITES);
                String word = pair.get(random.nextInt(2));
                String answer = "The opposite of " + word + " is " + Lexicon.opposite(word) + ".";
                yield random.nextBoolean()
                        ? new InstructionExample("What is the opposite of " + word + "?", "", answer, task)
                        : new InstructionExample(Text.pick(random, "Give the opposite of the word.", "Write the antonym of the word."), word, answer, task);
            }
            case "plural" -> {
                var plurals = Lexicon.allPlurals();
                String word = Text.pick(random, List.copyOf(plurals.keySet()));
                String answer = "The plural of " + word + " is " + plurals.get(word) + ".";
                yield random.nextBoolean()
                        ? new InstructionExample("What is the plural of " + word + "?", "", answer, task)
                        : new InstructionExample("Write the plural form of the word.", word, answer, task);
            }
            case "fact" -> {
                Fact fact = Text.pick(random, facts);
                String question = Text.pick(random, fact.questions());
                yield random.nextInt(4) == 0
                        ? new InstructionExample("Answer the question.", question, fact.answer(), task)
                        : new InstructionExample(question, "", fact.answer(), task);
            }
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }

    private InstructionExample arithmetic(String task, int a, int b, String word, String sign, String twoNumbers, int result) {
        String answer = a + " " + word + " " + b + " is " + result + ".";
        return switch (random.nextInt(3)) {
            case 0 -> new InstructionExample("What is " + a + " " + word + " " + b + "?", "", answer, task);
            case 1 -> new InstructionExample(twoNumbers, a + " and " + b, answer, task);
            default -> new InstructionExample("Calculate " + a + " " + sign + " " + b + ".", "", answer, task);
        };
    }

    /** An open task: one of the prompts raters see, of a kind drawn evenly, answered in the corpus' style. */
    InstructionExample open() {
        OpenPrompt prompt = Text.pick(random, Text.pick(random, openPromptsByKind));
        return new InstructionExample(prompt.text(), "", answer(prompt), BuiltinData.OPEN_TASK);
    }

    String answer(OpenPrompt prompt) {
        boolean named = random.nextDouble() < MENTION_RATE;
        return switch (prompt.kind()) {
            case DESCRIBE_ANIMAL -> describe(prompt.animal(), named);
            case ANIMAL_STORY -> stories.animalStory(prompt.animal(), prompt.place() != null ? prompt.place() : Text.pick(random, Lexicon.PLACES), named);
            case JOB -> stories.jobs(prompt.job());
            case PERSON -> stories.profile(prompt.person());
            case PERSON_STORY -> stories.personStory(prompt.person());
        };
    }

    /** A few sentences about an animal, calling it by its kind only if {@code named}. */
    String describe(Animal animal, boolean named) {
        String the = named ? Text.capitalize(Text.a(animal.name())) : "It";
        List<String> sentences = new ArrayList<>();
        sentences.add(the + " lives " + animal.home().substring("lives ".length()) + " and " + animal.eats() + ".");
        sentences.add("It has " + animal.coat() + " and can " + animal.can() + ".");
        sentences.add(the + " says " + animal.sound() + ".");
        sentences.add(the + " has " + animal.legs() + " legs.");
        sentences = new ArrayList<>(World.shuffled(sentences, random).subList(0, 2 + random.nextInt(3)));
        sentences.add(0, (named ? the + " is " : "It is ") + Text.a(animal.size()) + " animal.");
        return String.join(" ", sentences);
    }

    private List<String> items(int n) {
        return Text.distinct(random, listWords, n);
    }

    private String shortSentence() {
        Person p = Text.pick(random, world.people());
        Animal animal = Text.pick(random, Lexicon.ANIMALS);
        return switch (random.nextInt(4)) {
            case 0 -> "The " + Text.pick(random, Lexicon.COLORS) + " " + animal.name() + " is " + Text.pick(random, Lexicon.FEELINGS) + ".";
            case 1 -> p.name() + " likes to eat " + p.food() + ".";
            case 2 -> Text.capitalize(Text.a(animal.name())) + " " + animal.eats() + ".";
            default -> p.name() + " went to the " + Text.pick(random, Lexicon.PLACES) + " with " + p.possessive() + " "
                    + p.pet().kind() + " on " + Text.a(Text.pick(random, Lexicon.WEATHER)) + " day.";
        };
    }

    /** Kinds of open prompt, each answered its own way. */
    enum OpenKind {
        DESCRIBE_ANIMAL("animal"), ANIMAL_STORY("animal story"), JOB("job"), PERSON("person"), PERSON_STORY("person story");

        /** The kind as the harness prints it. */
        final String label;

        OpenKind(String label) {
            this.label = label;
        }
    }

    /** An open prompt and what it is about (only the fields its kind uses are set). */
    record OpenPrompt(String text, OpenKind kind, Animal animal, String place, Job job, Person person) {}
}
