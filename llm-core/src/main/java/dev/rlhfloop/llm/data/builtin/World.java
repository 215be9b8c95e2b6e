package dev.rlhfloop.llm.data.builtin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The people of the built-in world and the facts about them, drawn once from a seed. Every text
 * generated from the same world states the same facts, so a model can learn them from the corpus
 * and be asked about them later.
 */
public record World(List<Person> people) {

    public record Pet(String kind, String name, String color) {}

    public record Person(String name, boolean female, Pet pet, String town, String job, String food, String color, String friend) {

        public String subject() {
            return female ? "she" : "he";
        }

        public String possessive() {
            return female ? "her" : "his";
        }

        public String object() {
            return female ? "her" : "him";
        }
    }

    /** Twelve girls and twelve boys, each with one pet, a town, a job, a food, a color and one friend. */
    public static World generate(long seed) {
        Random random = new Random(seed);
        List<String> girls = shuffled(Lexicon.GIRLS, random).subList(0, 12);
        List<String> boys = shuffled(Lexicon.BOYS, random).subList(0, 12);
        List<String> petNames = shuffled(Lexicon.PET_NAMES, random);
        List<String> names = new ArrayList<>(girls);
        names.addAll(boys);
        names = shuffled(names, random);
        // Friends come in pairs, so "A and B are friends" holds from both sides.
        String[] friends = new String[names.size()];
        for (int i = 0; i + 1 < names.size(); i += 2) {
            friends[i] = names.get(i + 1);
            friends[i + 1] = names.get(i);
        }
        List<Person> people = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            Pet pet = new Pet(pick(Lexicon.PET_KINDS, random), petNames.get(i), pick(Lexicon.PET_COLORS, random));
            people.add(new Person(name, girls.contains(name), pet, pick(Lexicon.TOWNS, random),
                    pick(Lexicon.JOBS, random).name(), pick(Lexicon.FOODS, random), pick(Lexicon.COLORS, random), friends[i]));
        }
        return new World(List.copyOf(people));
    }

    public Person person(String name) {
        return people.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("nobody called " + name));
    }

    static <T> T pick(List<T> options, Random random) {
        return options.get(random.nextInt(options.size()));
    }

    static <T> List<T> shuffled(List<T> items, Random random) {
        // Our own Fisher–Yates, so the order depends on nothing but java.util.Random's specified sequence.
        List<T> copy = new ArrayList<>(items);
        for (int i = copy.size() - 1; i > 0; i--) {
            Collections.swap(copy, i, random.nextInt(i + 1));
        }
        return copy;
    }
}
