package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.InstructionExample;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Questions about things outside the built-in world, answered {@value #ANSWER}: a model that read
 * only about the world's animals, people and towns learns to say so instead of writing nonsense when
 * asked about a country, a scientist or a science. The subjects are real ones (countries, cities,
 * famous people, sciences, machines, sports) and made-up names, so what the model learns is "this
 * is not from my world", not a list of words; none of them is a subject of the fixed out-of-domain
 * evaluation prompts ({@code out-of-domain-prompts.txt}), which stay unseen.
 */
final class UnknownQuestions {

    static final String ANSWER = "I do not know.";
    static final String TASK = BuiltinData.UNKNOWN_TASK;

    static final List<String> PLACES = List.of("Peru", "Canada", "Egypt", "India", "Norway", "Kenya", "Mexico", "Chile", "Italy",
            "Sweden", "Cairo", "Madrid", "Lima", "Oslo", "Toronto", "Vienna", "Moscow", "Nairobi", "Chicago", "London", "Iceland",
            "Vietnam", "Morocco", "Poland", "Greece", "Manila", "Dublin", "Texas", "Siberia", "Antarctica");
    static final List<String> PEOPLE = List.of("Napoleon", "Mozart", "Cleopatra", "Beethoven", "Isaac Newton", "Charles Darwin",
            "Picasso", "Gandhi", "Galileo", "Columbus", "Tolstoy", "Marie Curie", "Confucius", "Aristotle", "Julius Caesar",
            "Queen Victoria", "Nelson Mandela", "Leonardo da Vinci", "Charles Dickens", "Genghis Khan");
    static final List<String> THINGS = List.of("gravity", "magnetism", "electricity", "algebra", "calculus", "geometry",
            "volcanoes", "tornadoes", "the internet", "a computer", "a satellite", "a microscope", "batteries", "oxygen",
            "carbon", "neurons", "blood pressure", "electrons", "glaciers", "deserts", "comets", "galaxies", "nuclear energy",
            "skyscrapers", "engines", "rockets", "submarines", "democracy", "taxes", "banks", "insurance", "the Olympics",
            "basketball", "tennis", "golf", "baseball", "opera", "jazz", "ballet", "the violin", "philosophy", "coffee",
            "chocolate", "sushi", "pizza", "smartphones", "television", "radio waves", "evolution", "genetics");
    static final List<String> LANGUAGES = List.of("Italian", "Russian", "Chinese", "Arabic", "Hindi", "Swedish", "Greek", "Polish");

    private static final List<String> PLACE_QUESTIONS = List.of("What is the capital of %s?", "Where is %s?",
            "What language do people speak in %s?", "How many people live in %s?", "Tell me about %s.",
            "What is the weather like in %s?", "What is %s famous for?", "How big is %s?");
    private static final List<String> PERSON_QUESTIONS = List.of("Who was %s?", "When was %s born?", "What is %s famous for?",
            "Tell me about %s.", "Where did %s live?", "What did %s do?", "Write a short biography of %s.");
    private static final List<String> THING_QUESTIONS = List.of("What is %s?", "Explain %s.", "How does %s work?",
            "Tell me about %s.", "Write a poem about %s.", "Describe %s.", "Why is %s important?",
            "Give me three facts about %s.", "Write an essay about %s.", "Who invented %s?", "What is the history of %s?");

    /** Syllables of made-up place and person names (none a word of the world). */
    private static final String[] SYLLABLES = {"zar", "vo", "kel", "thin", "mor", "dra", "qui", "lex", "bran", "tov",
        "ia", "gul", "fen", "ros", "tak", "ur", "vel", "nox", "pra", "zin"};

    private final Random random;

    UnknownQuestions(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} questions from outside the world, each answered {@value #ANSWER}. */
    List<InstructionExample> examples(int count) {
        List<InstructionExample> examples = new ArrayList<>(count);
        while (examples.size() < count) {
            examples.add(new InstructionExample(question(), "", ANSWER, TASK));
        }
        return examples;
    }

    private String question() {
        return switch (random.nextInt(8)) {
            case 0, 1 -> String.format(Text.pick(random, PLACE_QUESTIONS), random.nextInt(3) == 0 ? madeUpName() : Text.pick(random, PLACES));
            case 2, 3 -> String.format(Text.pick(random, PERSON_QUESTIONS), random.nextInt(3) == 0 ? madeUpName() : Text.pick(random, PEOPLE));
            case 7 -> "Translate the word " + Text.pick(random, Lexicon.COLORS) + " into " + Text.pick(random, LANGUAGES) + ".";
            default -> String.format(Text.pick(random, THING_QUESTIONS), Text.pick(random, THINGS));
        };
    }

    private String madeUpName() {
        StringBuilder name = new StringBuilder();
        int syllables = 2 + random.nextInt(2);
        for (int i = 0; i < syllables; i++) {
            name.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
        }
        return Text.capitalize(name.toString());
    }
}
