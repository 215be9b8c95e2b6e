package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.builtin.Facts.Fact;
import dev.rlhfloop.llm.data.builtin.Lexicon.Animal;
import dev.rlhfloop.llm.data.builtin.Lexicon.Job;
import dev.rlhfloop.llm.data.builtin.World.Person;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes the pretraining corpus: profiles, stories, dialogues, Q&amp;A lists, animal and job facts,
 * number stories and word lists about one {@link World}. Sentences are templates with many
 * slots, so the text is varied while every fact is stated the same way each time.
 */
final class CorpusGenerator {

    private final World world;
    private final List<Fact> facts;
    private final Random random;

    CorpusGenerator(World world, long seed) {
        this.world = world;
        this.facts = Facts.of(world);
        this.random = new Random(seed);
    }

    /** Documents until their text (with separators) reaches {@code targetChars}. */
    List<String> documents(long targetChars) {
        List<String> documents = new ArrayList<>();
        long chars = 0;
        while (chars < targetChars) {
            String document = document();
            documents.add(document);
            chars += document.length() + 15;
        }
        return documents;
    }

    String document() {
        int roll = random.nextInt(100);
        if (roll < 14) {
            return profile(person());
        } else if (roll < 28) {
            return personStory(person());
        } else if (roll < 42) {
            return dialogue(person());
        } else if (roll < 62) {
            return questionsAndAnswers();
        } else if (roll < 71) {
            return animalFacts(Text.pick(random, Lexicon.ANIMALS));
        } else if (roll < 83) {
            return animalStory(Text.pick(random, Lexicon.ANIMALS), Text.pick(random, Lexicon.PLACES), true);
        } else if (roll < 92) {
            return numbers();
        } else if (roll < 96) {
            return jobs(Text.pick(random, Lexicon.JOBS));
        } else {
            return words();
        }
    }

    private Person person() {
        return Text.pick(random, world.people());
    }

    // --- people -------------------------------------------------------------------------------

    String profile(Person p) {
        List<String> sentences = new ArrayList<>();
        sentences.add(Text.pick(random, "This is " + p.name() + ".", "Let me tell you about " + p.name() + ".", p.name() + " is " + Text.a(p.job()) + "."));
        List<String> facts = new ArrayList<>();
        facts.add(p.name() + " lives in " + p.town() + ".");
        facts.add(p.name() + " is " + Text.a(p.job()) + ".");
        facts.add(p.name() + " has " + Text.a(p.pet().kind()) + ".\n" + Facts.petSentence(p) + "\n" + p.pet().name() + " is " + p.pet().color() + ".");
        facts.add(Text.pick(random, p.pet().name() + " is " + Text.a(p.pet().kind()) + ".", p.pet().name() + " belongs to " + p.name() + "."));
        facts.add(p.name() + " likes to eat " + p.food() + ".");
        facts.add(p.name() + "'s favorite color is " + p.color() + ".");
        facts.add(Text.pick(random, p.name() + "'s friend is " + p.friend() + ".", p.name() + " and " + p.friend() + " are friends."));
        sentences.addAll(World.shuffled(facts, random));
        if (random.nextBoolean()) {
            sentences.add(Text.capitalize(p.subject()) + " is " + Text.pick(random, Lexicon.FEELINGS) + " today.");
        }
        return String.join("\n", sentences);   // a fact sheet, one fact a line: see questionsAndAnswers
    }

    String personStory(Person p) {
        return switch (random.nextInt(5)) {
            case 0 -> outing(p);
            case 1 -> lostPet(p);
            case 2 -> workDay(p);
            case 3 -> dayAtHome(p);
            default -> present(p);
        };
    }

    private String outing(Person p) {
        World.Pet pet = p.pet();
        Person friend = world.person(p.friend());
        String place = Text.pick(random, Lexicon.PLACES);
        String thing = Text.pick(random, Lexicon.COLORS) + " " + Text.pick(random, Lexicon.OBJECTS);
        StringBuilder s = new StringBuilder();
        s.append("One ").append(Text.pick(random, Lexicon.WEATHER)).append(' ').append(Text.pick(random, "morning", "afternoon", "day"))
                .append(", ").append(p.name()).append(" went to the ").append(place).append(" with ").append(p.possessive())
                .append(' ').append(pet.kind()).append(' ').append(pet.name()).append(". ");
        s.append(pet.name()).append(" is ").append(pet.color()).append(". ");
        s.append("At the ").append(place).append(", ").append(p.name()).append(" found ").append(Text.a(thing)).append(". ");
        s.append(Text.capitalize(p.subject())).append(Text.pick(random, " showed it to ", " gave it to ")).append(pet.name()).append(". ");
        s.append(Text.pick(random, ACTIVITIES).replace("#", p.name())).append(' ');
        s.append("Then ").append(p.name()).append(" met ").append(p.possessive()).append(" friend ").append(friend.name()).append(". ");
        s.append(friend.name()).append(" is ").append(Text.a(friend.job())).append(" and lives in ").append(friend.town()).append(". ");
        s.append("They ate ").append(p.food()).append(" together, because ").append(p.name()).append(" likes to eat ").append(p.food()).append(". ");
        s.append("In the evening, ").append(p.name()).append(" and ").append(pet.name()).append(" went home to ").append(p.town()).append(". ");
        s.append(Text.capitalize(p.subject())).append(" felt ").append(Text.pick(random, "happy", "tired", "calm", "proud")).append('.');
        return s.toString();
    }

    private String lostPet(Person p) {
        World.Pet pet = p.pet();
        Person friend = world.person(p.friend());
        String place = Text.pick(random, Lexicon.PLACES);
        String thing = Text.pick(random, Lexicon.OBJECTS);
        return p.name() + " could not find " + p.possessive() + " " + pet.kind() + ". " + Facts.petSentence(p) + " "
                + Text.capitalize(p.subject()) + " looked in the house and in the garden, but " + pet.name() + " was not there. "
                + p.name() + " was " + Text.pick(random, "sad", "scared", "worried") + ". "
                + Text.capitalize(p.subject()) + " asked " + p.possessive() + " friend " + friend.name() + " for help. "
                + friend.name() + " said, \"Let us look by the " + place + ".\" "
                + "They walked to the " + place + " together. There they saw something " + pet.color() + " next to a " + thing + ". "
                + "It was " + pet.name() + "! " + pet.name() + " is " + pet.color() + ", so it was easy to see. "
                + pet.name() + " is " + Text.a(pet.kind()) + ", and " + pet.name() + " belongs to " + p.name() + ". "
                + p.name() + " gave " + pet.name() + " a big hug. \"Thank you, " + friend.name() + "!\" said " + p.name() + ".";
    }

    private String workDay(Person p) {
        Job job = Lexicon.JOBS.stream().filter(j -> j.name().equals(p.job())).findFirst().orElseThrow();
        return p.name() + " is " + Text.a(p.job()) + " in " + p.town() + ". "
                + Facts.jobAnswer(job) + " "
                + "Every day, " + p.name() + " goes to the " + job.place() + " and uses " + Text.a(job.tool()) + ". "
                + "Today was " + Text.a(Text.pick(random, Lexicon.WEATHER)) + " day, and " + p.subject() + " worked "
                + Text.pick(random, "very hard", "all morning", "with a smile", "until the evening") + ". "
                + "After work, " + p.name() + " went home and played with " + p.possessive() + " " + p.pet().kind() + " " + p.pet().name() + ". "
                + "For dinner, " + p.subject() + " ate " + p.food() + ". " + p.name() + " likes to eat " + p.food() + ".";
    }

    /** Things a person does, with # for the person's name. */
    private static final List<String> ACTIVITIES = List.of(
            "# sat under a tree and read a book.", "# sang a little song.", "# drew a picture of the sky.",
            "# ran up and down the path.", "# looked at the clouds for a long time.", "# counted the birds in the trees.",
            "# picked some flowers.", "# threw a stick and waited.", "# wrote a short letter to a friend.",
            "# listened to the wind.", "# watched the boats on the water.", "# jumped over a small puddle.");

    private String dayAtHome(Person p) {
        World.Pet pet = p.pet();
        String weather = Text.pick(random, Lexicon.WEATHER);
        return "It was " + Text.a(weather) + " day in " + p.town() + ", so " + p.name() + " stayed at home. "
                + "In the morning, " + p.subject() + " woke up " + Text.pick(random, "early", "late", "with a smile") + " and fed "
                + p.possessive() + " " + pet.kind() + ". " + Facts.petSentence(p) + " "
                + "For breakfast, " + p.name() + " ate " + p.food() + ". " + Text.capitalize(p.subject()) + " likes to eat " + p.food() + " very much. "
                + Text.pick(random, ACTIVITIES).replace("#", Text.capitalize(p.subject())) + " "
                + "Then " + p.subject() + " " + Text.pick(random, "cleaned the kitchen", "painted a chair " + p.color(), "made a cake",
                        "fixed an old " + Text.pick(random, Lexicon.OBJECTS), "called " + p.possessive() + " friend " + p.friend())
                + ". " + pet.name() + " " + Text.pick(random, "slept by the window", "played with a ball", "watched " + p.object() + " all day",
                        "sat on the " + Text.pick(random, "bed", "rug", "stairs")) + ". "
                + "In the evening, " + p.name() + " was " + Text.pick(random, Lexicon.FEELINGS) + " and went to bed.";
    }

    private String present(Person p) {
        Person friend = world.person(p.friend());
        String object = Text.pick(random, Lexicon.OBJECTS);
        return "It was " + friend.name() + "'s birthday. " + p.name() + " and " + friend.name() + " are friends, so "
                + p.name() + " wanted to give " + friend.object() + " a present. "
                + friend.name() + "'s favorite color is " + friend.color() + ", so " + p.name() + " bought "
                + Text.a(friend.color() + " " + object) + ". "
                + p.name() + " walked to " + friend.town() + ", because " + friend.name() + " lives in " + friend.town() + ". "
                + friend.name() + " opened the present and smiled. \"I love it!\" said " + friend.name() + ". "
                + "They had cake, and " + friend.name() + "'s " + friend.pet().kind() + " " + friend.pet().name() + " played with the "
                + object + ". It was a " + Text.pick(random, "happy", "lovely", "wonderful", "good") + " day.";
    }

    String dialogue(Person p) {
        Person other = random.nextInt(3) == 0 ? world.person(p.friend()) : person();
        if (other == p) {
            other = world.person(p.friend());
        }
        List<String> lines = new ArrayList<>();
        lines.add(p.name() + ": Hello, " + other.name() + "! How are you today?");
        lines.add(other.name() + ": I am " + Text.pick(random, "fine", "very well", "a little tired", "happy") + ", thank you. How are you?");
        lines.add(p.name() + ": I am " + Text.pick(random, Lexicon.FEELINGS) + ". I went to the " + Text.pick(random, Lexicon.PLACES)
                + " with my " + p.pet().kind() + ".");
        for (int topic : World.shuffled(List.of(0, 1, 2, 3, 4, 5), random).subList(0, 2 + random.nextInt(3))) {
            switch (topic) {
                case 0 -> {
                    lines.add(other.name() + ": What is the name of your " + p.pet().kind() + "?");
                    lines.add(p.name() + ": My " + p.pet().kind() + " is called " + p.pet().name() + ". " + p.pet().name() + " is " + p.pet().color() + ".");
                }
                case 1 -> {
                    lines.add(other.name() + ": Where do you live?");
                    lines.add(p.name() + ": I live in " + p.town() + ". Where do you live?");
                    lines.add(other.name() + ": I live in " + other.town() + ".");
                }
                case 2 -> {
                    lines.add(other.name() + ": What is your job?");
                    lines.add(p.name() + ": I am " + Text.a(p.job()) + ". And you?");
                    lines.add(other.name() + ": I am " + Text.a(other.job()) + ".");
                }
                case 3 -> {
                    lines.add(other.name() + ": What do you like to eat?");
                    lines.add(p.name() + ": I like to eat " + p.food() + ".");
                }
                case 4 -> {
                    lines.add(other.name() + ": What is your favorite color?");
                    lines.add(p.name() + ": My favorite color is " + p.color() + ".");
                }
                default -> {
                    Person third = world.person(p.friend());
                    lines.add(other.name() + ": Who is your friend?");
                    lines.add(p.name() + ": My friend is " + third.name() + ". " + Text.capitalize(third.subject()) + " lives in " + third.town() + ".");
                }
            }
        }
        lines.add(other.name() + ": " + Text.pick(random, "It was nice to talk to you.", "I have to go now.", "See you soon!"));
        lines.add(p.name() + ": " + Text.pick(random, "Goodbye, ", "Bye, ", "See you later, ") + other.name() + "!");
        return String.join("\n", lines);
    }

    /**
     * Questions and their answers, each answer on a line of its own as an instruction's response
     * starts one: a name at the start of a line is another token than the same name inside a
     * sentence ("Bella" against " Bella"), and this is where a model reads the one after the other.
     */
    String questionsAndAnswers() {
        List<String> lines = new ArrayList<>();
        int count = 4 + random.nextInt(5);
        for (int i = 0; i < count; i++) {
            if (random.nextInt(5) == 0) {
                int a = random.nextInt(11);
                int b = random.nextInt(11);
                lines.add("Q: What is " + a + " plus " + b + "?\n" + a + " plus " + b + " is " + (a + b) + ".");
            } else {
                Fact fact = Text.pick(random, facts);
                lines.add("Q: " + Text.pick(random, fact.questions()) + "\n" + fact.answer());
            }
        }
        return String.join("\n", lines);
    }

    // --- animals ------------------------------------------------------------------------------

    String animalFacts(Animal animal) {
        List<String> sentences = new ArrayList<>();
        for (Fact fact : Facts.about(animal)) {
            sentences.add(fact.answer());
        }
        sentences.add(Text.capitalize(Text.a(animal.name())) + " has " + animal.coat() + ".");
        sentences = new ArrayList<>(World.shuffled(sentences, random));
        sentences.add(0, Text.capitalize(Text.a(animal.name())) + " is " + Text.a(animal.size()) + " animal.");
        if (random.nextBoolean()) {
            List<Person> owners = world.people().stream().filter(p -> p.pet().kind().equals(animal.name())).toList();
            if (!owners.isEmpty()) {
                Person owner = Text.pick(random, owners);
                sentences.add(owner.name() + " has " + Text.a(animal.name()) + " too. " + Facts.petSentence(owner));
            }
        }
        return String.join("\n", sentences);
    }

    /**
     * A short story about an animal. With {@code named} false the animal is never called by its
     * kind, only by a name and "it" — the answers the simulated rater likes less.
     */
    String animalStory(Animal animal, String place, boolean named) {
        String pet = Text.pick(random, Lexicon.PET_NAMES);
        String the = named ? "the " + animal.name() : pet;
        String The = named ? "The " + animal.name() : pet;
        Animal friend = Text.pick(random, Lexicon.ANIMALS);
        while (friend.name().equals(animal.name())) {
            friend = Text.pick(random, Lexicon.ANIMALS);
        }
        String thing = Text.pick(random, Lexicon.COLORS) + " " + Text.pick(random, Lexicon.OBJECTS);
        StringBuilder s = new StringBuilder();
        s.append(named
                ? Text.pick(random, "Once upon a time, " + Text.a(Text.pick(random, "little", "young", "small", animal.size())) + " " + animal.name() + " lived " + Lexicon.at(place) + ". ",
                                    "There was once " + Text.a(animal.size()) + " " + animal.name() + " who lived " + Lexicon.at(place) + ". ")
                : Text.pick(random, "Once upon a time, there was a little animal called " + pet + ". " + pet + " lived " + Lexicon.at(place) + ". ",
                                    "There was once a little one called " + pet + " who lived " + Lexicon.at(place) + ". "));
        s.append(The).append(" had ").append(animal.coat()).append(" and liked to ").append(animal.can()).append(". ");
        switch (random.nextInt(3)) {
            case 0 -> {
                s.append("One ").append(Text.pick(random, Lexicon.WEATHER)).append(" day, ").append(the).append(" found ").append(Text.a(thing)).append(". ");
                s.append('"').append(Text.pick(random, "What is this?", "How pretty!", "I like it!")).append("\" said ").append(the).append(". ");
                s.append(Text.capitalize(the)).append(" showed it to ").append(Text.a(friend.name())).append(". ");
                s.append("The ").append(friend.name()).append(" said, \"Let us play with it together!\" ");
                s.append("They played ").append(Lexicon.at(place)).append(" until the sun went down.");
            }
            case 1 -> {
                s.append("One day, ").append(the).append(" was very hungry. ");
                s.append(Text.capitalize(the)).append(" looked everywhere for food. ");
                s.append("Then ").append(the).append(" met ").append(Text.a(friend.name())).append(". ");
                s.append("The ").append(friend.name()).append(" shared its food, and ").append(the).append(" said, \"Thank you!\" ");
                s.append("From that day on, they were friends.");
            }
            default -> {
                s.append("One night, a big storm came to the ").append(place).append(". ");
                s.append(Text.capitalize(the)).append(" was scared and hid under ").append(Text.a(Text.pick(random, "tree", "rock", "bush"))).append(". ");
                s.append("In the morning, the sun came out. ");
                s.append(Text.capitalize(the)).append(" was ").append(Text.pick(random, "happy", "brave", "calm")).append(" again and went to ").append(animal.can()).append('.');
            }
        }
        if (random.nextBoolean()) {
            s.append(" The end.");
        }
        return s.toString();
    }

    // --- numbers, jobs, words -----------------------------------------------------------------

    String numbers() {
        Person p = person();
        Person friend = world.person(p.friend());
        int a = 1 + random.nextInt(9);
        int b = 1 + random.nextInt(9);
        return switch (random.nextInt(4)) {
            case 0 -> p.name() + " had " + a + " " + p.food() + ". " + friend.name() + " gave " + p.object() + " " + b + " more. "
                    + "Now " + p.name() + " has " + (a + b) + " " + p.food() + ", because " + a + " plus " + b + " is " + (a + b) + ".";
            case 1 -> {
                Animal animal = Text.pick(random, Lexicon.ANIMALS);
                int total = a + b;
                yield p.name() + " saw " + total + " " + animal.plural() + " by the " + Text.pick(random, Lexicon.PLACES) + ". "
                        + b + " of them went away. Now there " + (a == 1 ? "is 1 " + animal.name() : "are " + a + " " + animal.plural()) + ", because "
                        + total + " minus " + b + " is " + a + ".";
            }
            case 2 -> {
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    int x = random.nextInt(13);
                    int y = random.nextInt(13);
                    lines.add(switch (random.nextInt(3)) {
                        case 0 -> x + " plus " + y + " is " + (x + y) + ".";
                        case 1 -> (x + y) + " minus " + y + " is " + x + ".";
                        default -> x + " times " + y + " is " + (x * y) + ".";
                    });
                }
                yield String.join(" ", lines);
            }
            default -> {
                int start = random.nextInt(10);
                List<String> counted = new ArrayList<>();
                for (int i = start; i <= start + 10; i++) {
                    counted.add(random.nextBoolean() ? Lexicon.numberWord(i) : Integer.toString(i));
                }
                yield "Let us count from " + start + " to " + (start + 10) + ": " + String.join(", ", counted) + ". "
                        + Text.capitalize(Lexicon.numberWord(a)) + " is " + a + ", and " + Lexicon.numberWord(b) + " is " + b + ".";
            }
        };
    }

    /**
     * What a job does and where, then one to three other things about it in any order, so that two
     * answers about one job differ the way two profiles of one person do.
     */
    String jobs(Job job) {
        String a = Text.capitalize(Text.a(job.name()));
        List<String> workers = world.people().stream().filter(p -> p.job().equals(job.name())).map(Person::name).toList();
        List<String> more = new ArrayList<>();
        if (!workers.isEmpty()) {
            more.add(Text.and(workers) + (workers.size() == 1 ? " is " + Text.a(job.name()) + "." : " are " + job.name() + "s."));
        }
        more.add(a + " starts work at " + (5 + random.nextInt(5)) + " in the morning.");
        more.add(a + " often wears " + Text.a(Text.pick(random, Lexicon.COLORS)) + " " + Text.pick(random, "coat", "hat", "shirt") + ".");
        more.add(a + " is " + Text.pick(random, Lexicon.FEELINGS) + " after a long day.");
        List<String> sentences = new ArrayList<>(List.of(Facts.jobAnswer(job), a + " works at the " + job.place() + " and uses " + Text.a(job.tool()) + "."));
        sentences.addAll(World.shuffled(more, random).subList(0, 1 + random.nextInt(3)));
        return String.join(" ", sentences);
    }

    String words() {
        List<String> sentences = new ArrayList<>();
        if (random.nextBoolean()) {
            for (List<String> pair : Text.distinct(random, Lexicon.OPPOSITES, 5)) {
                sentences.add("The opposite of " + pair.get(0) + " is " + pair.get(1) + ".");
            }
        } else {
            var plurals = Lexicon.allPlurals();
            for (String word : Text.distinct(random, List.copyOf(plurals.keySet()), 5)) {
                sentences.add("One " + word + ", two " + plurals.get(word) + ". The plural of " + word + " is " + plurals.get(word) + ".");
            }
        }
        return String.join(" ", sentences);
    }
}
