package dev.rlhfloop.llm.data.builtin;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fixed vocabulary of the built-in world: the words every generated text is made of. Kept
 * small (about a thousand words) so a tiny model with a few-thousand-token vocabulary sees each
 * word often and can learn both grammar and facts in minutes.
 */
public final class Lexicon {

    /** An animal and the things every text says about it, always the same way. */
    public record Animal(String name, String plural, String size, String home, String eats, String sound,
                         String legs, String can, String coat) {}

    /** A job and what people who do it do. */
    public record Job(String name, String does, String place, String tool) {}

    public static final List<Animal> ANIMALS = List.of(
            new Animal("dog", "dogs", "friendly", "lives in a house", "eats meat", "woof", "four", "run fast", "soft fur"),
            new Animal("cat", "cats", "small", "lives in a house", "eats fish", "meow", "four", "climb trees", "soft fur"),
            new Animal("fox", "foxes", "clever", "lives in the forest", "eats berries", "yip", "four", "hide in the grass", "red fur"),
            new Animal("rabbit", "rabbits", "small", "lives in a field", "eats carrots", "squeak", "four", "jump high", "long ears"),
            new Animal("horse", "horses", "big", "lives on a farm", "eats hay", "neigh", "four", "run very fast", "a long tail"),
            new Animal("cow", "cows", "big", "lives on a farm", "eats grass", "moo", "four", "give milk", "big spots"),
            new Animal("sheep", "sheep", "gentle", "lives on a farm", "eats grass", "baa", "four", "give wool", "thick wool"),
            new Animal("pig", "pigs", "round", "lives on a farm", "eats corn", "oink", "four", "roll in the mud", "pink skin"),
            new Animal("duck", "ducks", "small", "lives by the pond", "eats seeds", "quack", "two", "swim and fly", "soft feathers"),
            new Animal("owl", "owls", "wise", "lives in a tree", "eats bugs", "hoot", "two", "see in the dark", "big eyes"),
            new Animal("bear", "bears", "big", "lives in the forest", "eats honey", "growl", "four", "climb trees", "thick fur"),
            new Animal("mouse", "mice", "tiny", "lives in a hole", "eats cheese", "squeak", "four", "hide in small places", "a thin tail"),
            new Animal("frog", "frogs", "small", "lives by the pond", "eats flies", "croak", "four", "jump far", "wet green skin"),
            new Animal("goat", "goats", "strong", "lives on a hill", "eats leaves", "bleat", "four", "climb rocks", "short horns"),
            new Animal("hen", "hens", "busy", "lives on a farm", "eats seeds", "cluck", "two", "lay eggs", "brown feathers"),
            new Animal("wolf", "wolves", "wild", "lives in the forest", "eats meat", "howl", "four", "run all night", "grey fur"),
            new Animal("deer", "deer", "shy", "lives in the forest", "eats leaves", "bellow", "four", "run and jump", "long legs"),
            new Animal("fish", "fish", "small", "lives in the water", "eats plants", "blub", "no", "swim all day", "shiny scales"),
            new Animal("turtle", "turtles", "slow", "lives by the river", "eats plants", "hiss", "four", "hide in its shell", "a hard shell"),
            new Animal("bird", "birds", "small", "lives in a tree", "eats seeds", "tweet", "two", "fly in the sky", "light feathers"));

    /** Animals that people in the world keep as pets. */
    public static final List<String> PET_KINDS = List.of("dog", "cat", "rabbit", "fish", "bird", "turtle", "mouse", "horse", "hen", "goat", "duck");

    public static final List<String> GIRLS = List.of("Mia", "Lily", "Emma", "Anna", "Sara", "Lucy", "Rosa", "Nina", "Ella", "Zoe",
            "Ruby", "Grace", "Alice", "Clara", "Hana", "Ivy", "Jane", "Kate", "Lena", "Maya");
    public static final List<String> BOYS = List.of("Sam", "Ben", "Leo", "Max", "Jack", "Noah", "Tim", "Dan", "Omar", "Finn",
            "Hugo", "Adam", "Eli", "Jon", "Kai", "Luke", "Paul", "Ravi", "Theo", "Will");
    public static final List<String> PET_NAMES = List.of("Tom", "Bella", "Rex", "Daisy", "Pip", "Coco", "Buddy", "Luna", "Milo",
            "Rosie", "Biscuit", "Pepper", "Ziggy", "Honey", "Bubbles", "Sunny", "Shadow", "Patch", "Nugget", "Olive",
            "Poppy", "Socks", "Toffee", "Button", "Maple", "Bean", "Pickle", "Snowy", "Ginger", "Dot",
            "Waffle", "Clover", "Mochi", "Peanut", "Jelly", "Skip", "Fudge", "Pebble", "Rusty", "Twig");
    public static final List<String> TOWNS = List.of("Greenhill", "Rivertown", "Oakvale", "Stonebridge", "Maplewood", "Sunnyside",
            "Brookfield", "Pinecrest");
    public static final List<String> COLORS = List.of("red", "blue", "green", "yellow", "white", "black", "brown", "grey", "orange",
            "pink", "purple");
    public static final List<String> PET_COLORS = List.of("white", "black", "brown", "grey", "orange", "yellow", "green", "red");
    public static final List<String> FOODS = List.of("apples", "bread", "cheese", "soup", "carrots", "cake", "honey", "rice",
            "pears", "eggs", "pancakes", "noodles", "plums", "cookies", "oranges", "beans");
    public static final List<String> OBJECTS = List.of("ball", "kite", "book", "hat", "box", "cup", "boat", "bike", "drum", "lamp",
            "bag", "key", "shoe", "chair", "clock", "bell", "rope", "basket", "coat", "map");
    public static final List<String> PLACES = List.of("forest", "farm", "river", "park", "garden", "beach", "village", "hill",
            "lake", "meadow", "market", "school");
    public static final List<String> WEATHER = List.of("sunny", "rainy", "windy", "cold", "warm", "cloudy", "snowy");
    public static final List<String> FEELINGS = List.of("happy", "sad", "tired", "hungry", "excited", "scared", "calm", "proud");

    public static final List<Job> JOBS = List.of(
            new Job("farmer", "grows food and takes care of animals", "farm", "tractor"),
            new Job("baker", "makes bread and cakes", "bakery", "oven"),
            new Job("teacher", "helps children learn to read and write", "school", "book"),
            new Job("doctor", "helps sick people get well", "hospital", "bag"),
            new Job("fisher", "catches fish in the sea", "harbor", "net"),
            new Job("painter", "paints pictures and walls", "studio", "brush"),
            new Job("builder", "builds houses and bridges", "building site", "hammer"),
            new Job("nurse", "takes care of sick people", "hospital", "thermometer"),
            new Job("cook", "makes food for many people", "kitchen", "pot"),
            new Job("driver", "drives a bus through the town", "bus", "wheel"),
            new Job("gardener", "grows flowers and trees", "garden", "spade"),
            new Job("singer", "sings songs for people", "stage", "microphone"),
            new Job("vet", "helps sick animals get well", "clinic", "bag"),
            new Job("pilot", "flies planes across the sky", "airport", "plane"));

    /** Opposites, each pair stated once; questions go both ways. */
    public static final List<List<String>> OPPOSITES = List.of(
            List.of("hot", "cold"), List.of("big", "small"), List.of("up", "down"), List.of("happy", "sad"),
            List.of("fast", "slow"), List.of("day", "night"), List.of("old", "new"), List.of("open", "closed"),
            List.of("wet", "dry"), List.of("light", "dark"), List.of("full", "empty"), List.of("tall", "short"),
            List.of("loud", "quiet"), List.of("good", "bad"), List.of("early", "late"), List.of("hard", "soft"),
            List.of("in", "out"), List.of("yes", "no"), List.of("left", "right"), List.of("first", "last"),
            List.of("strong", "weak"), List.of("clean", "dirty"), List.of("near", "far"), List.of("high", "low"),
            List.of("thick", "thin"), List.of("rich", "poor"), List.of("win", "lose"));

    /** Plurals of things that are not animals (animal plurals are in {@link #ANIMALS}). */
    public static final Map<String, String> PLURALS = orderedPlurals(
            "ball", "balls", "kite", "kites", "book", "books", "hat", "hats", "box", "boxes", "cup", "cups",
            "boat", "boats", "bike", "bikes", "drum", "drums", "lamp", "lamps", "bag", "bags", "key", "keys",
            "shoe", "shoes", "chair", "chairs", "clock", "clocks", "bell", "bells", "basket", "baskets",
            "child", "children", "man", "men", "woman", "women", "foot", "feet", "tooth", "teeth", "leaf", "leaves",
            "knife", "knives", "baby", "babies", "city", "cities", "bus", "buses", "glass", "glasses", "tree", "trees",
            "apple", "apples", "pear", "pears", "egg", "eggs", "flower", "flowers", "house", "houses", "bench", "benches",
            "wish", "wishes", "story", "stories", "party", "parties", "star", "stars", "cake", "cakes");

    public static final List<String> NUMBER_WORDS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
            "eighteen", "nineteen", "twenty");

    private Lexicon() {}

    public static Animal animal(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("no animal " + name));
    }

    public static Optional<Animal> find(String name) {
        return ANIMALS.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** Every plural the world knows: the animals' and the things'. */
    public static Map<String, String> allPlurals() {
        Map<String, String> plurals = new java.util.LinkedHashMap<>();
        for (Animal animal : ANIMALS) {
            plurals.put(animal.name(), animal.plural());
        }
        plurals.putAll(PLURALS);
        return java.util.Collections.unmodifiableMap(plurals);
    }

    /** Where something is at a place: "in the forest", "on the farm", "by the river". */
    public static String at(String place) {
        return switch (place) {
            case "farm", "beach", "hill" -> "on the " + place;
            case "river", "lake" -> "by the " + place;
            case "market", "school" -> "at the " + place;
            default -> "in the " + place;
        };
    }

    public static String opposite(String word) {
        for (List<String> pair : OPPOSITES) {
            if (pair.get(0).equals(word)) {
                return pair.get(1);
            }
            if (pair.get(1).equals(word)) {
                return pair.get(0);
            }
        }
        throw new IllegalArgumentException("no opposite for " + word);
    }

    public static String numberWord(int n) {
        return n >= 0 && n < NUMBER_WORDS.size() ? NUMBER_WORDS.get(n) : Integer.toString(n);
    }

    private static Map<String, String> orderedPlurals(String... pairs) {
        Map<String, String> plurals = new java.util.LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            plurals.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(plurals);
    }
}
