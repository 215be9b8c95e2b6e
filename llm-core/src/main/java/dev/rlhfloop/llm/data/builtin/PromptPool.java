package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.builtin.InstructionGenerator.OpenKind;
import dev.rlhfloop.llm.data.builtin.InstructionGenerator.OpenPrompt;
import dev.rlhfloop.llm.data.builtin.Lexicon.Animal;
import dev.rlhfloop.llm.data.builtin.Lexicon.Job;
import dev.rlhfloop.llm.data.builtin.World.Person;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Open prompts for raters: describe an animal, tell a story about an animal (somewhere), what a
 * job is, who a person of the world is. Most name an animal, which is what the simulated rater's
 * rule ({@link RaterRules#mentionsAnimalOfPrompt}) looks for.
 */
final class PromptPool {

    private PromptPool() {}

    /** The pool for raters: every open prompt once, in an order drawn from the seed. */
    static List<String> prompts(World world, long seed) {
        List<String> texts = new ArrayList<>();
        for (OpenPrompt prompt : openPrompts(world)) {
            texts.add(prompt.text());
        }
        return List.copyOf(World.shuffled(texts, new Random(seed)));
    }

    /** Every open prompt, in a fixed order. */
    static List<OpenPrompt> openPrompts(World world) {
        List<OpenPrompt> prompts = new ArrayList<>();
        for (Animal animal : Lexicon.ANIMALS) {
            String a = Text.a(animal.name());
            for (String text : List.of("Tell me about " + a + ".", "Describe " + a + ".", "What do you know about " + animal.plural() + "?",
                    "Tell me something about " + animal.plural() + ".")) {
                prompts.add(new OpenPrompt(text, OpenKind.DESCRIBE_ANIMAL, animal, null, null, null));
            }
            prompts.add(new OpenPrompt("Write a short story about " + a + ".", OpenKind.ANIMAL_STORY, animal, null, null, null));
            prompts.add(new OpenPrompt("Tell me a story about " + a + ".", OpenKind.ANIMAL_STORY, animal, null, null, null));
            for (String place : Lexicon.PLACES) {
                prompts.add(new OpenPrompt("Write a short story about " + a + " " + Lexicon.at(place) + ".", OpenKind.ANIMAL_STORY, animal, place, null, null));
            }
        }
        for (Job job : Lexicon.JOBS) {
            prompts.add(new OpenPrompt("What does " + Text.a(job.name()) + " do?", OpenKind.JOB, null, null, job, null));
        }
        for (Person person : world.people()) {
            prompts.add(new OpenPrompt("Tell me about " + person.name() + ".", OpenKind.PERSON, null, null, null, person));
            prompts.add(new OpenPrompt("Write a short story about " + person.name() + ".", OpenKind.PERSON_STORY, null, null, null, person));
        }
        return List.copyOf(prompts);
    }
}
