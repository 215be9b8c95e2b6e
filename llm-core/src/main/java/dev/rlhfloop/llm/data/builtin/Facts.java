package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.builtin.Lexicon.Animal;
import dev.rlhfloop.llm.data.builtin.Lexicon.Job;
import dev.rlhfloop.llm.data.builtin.World.Person;

import java.util.ArrayList;
import java.util.List;

/**
 * Every fact of the world as questions and one canonical answer sentence. The corpus states each
 * answer sentence word for word (in profiles and Q&amp;A lists), and the instruction data asks the
 * questions, so a fine-tuned model can answer from what it read during pretraining.
 */
final class Facts {

    /** {@code key} names the fact (e.g. "Mia/town") so a data split can hold out whole facts. */
    record Fact(String key, List<String> questions, String answer) {}

    private Facts() {}

    static List<Fact> of(World world) {
        List<Fact> facts = new ArrayList<>();
        for (Person p : world.people()) {
            facts.addAll(about(p));
        }
        for (Animal animal : Lexicon.ANIMALS) {
            facts.addAll(about(animal));
        }
        return List.copyOf(facts);
    }

    static List<Fact> about(Person p) {
        String n = p.name();
        World.Pet pet = p.pet();
        return List.of(
                new Fact(n + "/pet", List.of("What is the name of " + n + "'s " + pet.kind() + "?", "What is " + n + "'s " + pet.kind() + " called?"),
                        petSentence(p)),
                new Fact(n + "/pet-kind", List.of("What kind of pet does " + n + " have?", "What pet does " + n + " have?"),
                        n + " has " + Text.a(pet.kind()) + "."),
                new Fact(pet.name() + "/color", List.of("What color is " + pet.name() + "?"), pet.name() + " is " + pet.color() + "."),
                new Fact(pet.name() + "/owner", List.of("Who owns " + pet.name() + "?", "Whose pet is " + pet.name() + "?"),
                        pet.name() + " belongs to " + n + "."),
                new Fact(pet.name() + "/kind", List.of("What kind of animal is " + pet.name() + "?", "What animal is " + pet.name() + "?"),
                        pet.name() + " is " + Text.a(pet.kind()) + "."),
                new Fact(n + "/town", List.of("Where does " + n + " live?", "In which town does " + n + " live?"), n + " lives in " + p.town() + "."),
                new Fact(n + "/job", List.of("What is " + n + "'s job?", "What does " + n + " do for work?"), n + " is " + Text.a(p.job()) + "."),
                new Fact(n + "/food", List.of("What does " + n + " like to eat?", "What is " + n + "'s favorite food?"), n + " likes to eat " + p.food() + "."),
                new Fact(n + "/color", List.of("What is " + n + "'s favorite color?"), n + "'s favorite color is " + p.color() + "."),
                new Fact(n + "/friend", List.of("Who is " + n + "'s friend?", "Who is " + n + "'s best friend?"), n + "'s friend is " + p.friend() + "."));
    }

    static List<Fact> about(Animal animal) {
        String a = Text.capitalize(Text.a(animal.name()));
        String the = Text.a(animal.name());
        String food = animal.eats().substring(animal.eats().indexOf(' ') + 1);
        return List.of(
                new Fact(animal.name() + "/sound", List.of("What does " + the + " say?", "What sound does " + the + " make?"), a + " says " + animal.sound() + "."),
                new Fact(animal.name() + "/legs", List.of("How many legs does " + the + " have?"), a + " has " + animal.legs() + " legs."),
                new Fact(animal.name() + "/home", List.of("Where does " + the + " live?"), a + " " + animal.home() + "."),
                new Fact(animal.name() + "/food", List.of("What does " + the + " eat?"), a + " eats " + food + "."),
                new Fact(animal.name() + "/can", List.of("What can " + the + " do?"), a + " can " + animal.can() + "."));
    }

    static String petSentence(Person p) {
        return p.name() + "'s " + p.pet().kind() + " is called " + p.pet().name() + ".";
    }

    static String jobAnswer(Job job) {
        return Text.capitalize(Text.a(job.name())) + " " + job.does() + ".";
    }
}
