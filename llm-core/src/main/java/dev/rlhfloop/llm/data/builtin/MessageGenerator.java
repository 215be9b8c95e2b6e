package dev.rlhfloop.llm.data.builtin;

import dev.rlhfloop.llm.data.LabeledText;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Short text messages, spam or not, for classification fine-tuning (the book's chapter 6 uses the
 * UCI SMS Spam Collection; this is a stand-in that needs no download). Both classes are written
 * from the same lexicon and share the words a keyword filter would look for ("free", "win",
 * "call", "text", "prize", numbers, names): a normal message says "are you free on Sunday" or "Ben
 * won a prize at school", a spam one "you have won a free kite, call 40213 now". What separates them
 * is how the words go together — an offer to a stranger, a reply code, a deadline — not any one
 * word, which {@code BuiltinDataTest} checks.
 */
final class MessageGenerator {

    static final String SPAM = "spam";
    static final String HAM = "ham";

    private static final List<String> DAYS = List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday");
    private static final List<String> CODES = List.of("WIN", "YES", "GO", "PRIZE", "FREE", "STOP", "CLAIM");

    private final Random random;

    MessageGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} messages, each spam with probability {@code spamShare}, in generation order. */
    List<LabeledText> messages(int count, double spamShare) {
        List<LabeledText> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            boolean spam = random.nextDouble() < spamShare;
            messages.add(new LabeledText(spam ? SPAM : HAM, spam ? spam() : normal()));
        }
        return messages;
    }

    private String spam() {
        String thing = Text.pick(random, Lexicon.OBJECTS);
        String food = Text.pick(random, Lexicon.FOODS);
        String town = Text.pick(random, Lexicon.TOWNS);
        String code = Text.pick(random, CODES);
        String number = Integer.toString(10000 + random.nextInt(90000));
        String day = Text.pick(random, DAYS);
        String name = name();
        return switch (random.nextInt(12)) {
            case 0 -> "You have won a free " + thing + "! Call " + number + " now to get your prize.";
            case 1 -> "Dear friend, you are picked to win " + (2 + random.nextInt(9)) + " boxes of " + food + ". Text " + code
                    + " to " + number + ".";
            case 2 -> "Free " + food + " from the market for you today only. Reply " + code + " to get your gift before " + day + ".";
            case 3 -> "Your " + thing + " prize is waiting in " + town + ". Call " + number + " before " + day + " or lose it.";
            case 4 -> "Win a trip to the lake in " + town + " for two! Text " + code + " to " + number + " now. Only today.";
            case 5 -> name + ", your number was picked! Send " + code + " to " + number + " to get a free " + thing + ".";
            case 6 -> "Last chance: the new " + thing + " for only " + (1 + random.nextInt(5)) + " coins. Reply " + code + " now.";
            case 7 -> "You are the winner! Call " + number + " to claim " + (100 + random.nextInt(900)) + " coins today.";
            case 8 -> "Get " + food + " free every " + day + ". Text " + code + " to " + number + ", it is the easy way.";
            case 10 -> "Hi " + name + ", it is " + name() + ". I got a free " + thing + " from " + number + ", text " + code + " there too!";
            case 11 -> "Are you free on " + day + "? Everyone who calls " + number + " today gets " + food + " for a year.";
            default -> "Hello, we tried to call you about your free " + thing + ". Text " + code + " to " + number + " today.";
        };
    }

    private String normal() {
        String name = name();
        String other = name();
        String place = Text.pick(random, Lexicon.PLACES);
        String thing = Text.pick(random, Lexicon.OBJECTS);
        String food = Text.pick(random, Lexicon.FOODS);
        String day = Text.pick(random, DAYS);
        String animal = Text.pick(random, Lexicon.ANIMALS).name();
        int hour = 1 + random.nextInt(12);
        return switch (random.nextInt(14)) {
            case 12 -> "Reply YES if you can come " + Lexicon.at(place) + " on " + day + ". " + other + " will bring " + food + ".";
            case 13 -> "Call " + (10000 + random.nextInt(90000)) + " if the bus is late, it is the number of " + other + "'s mom.";
            case 0 -> name + ", are you free on " + day + "? We could go to the " + place + ".";
            case 1 -> "Can you call me when you get home? " + other + " wants to know about my " + thing + ".";
            case 2 -> other + " won a prize at school today! Mom made " + food + " for dinner.";
            case 3 -> "Did you see my " + thing + "? I think I left it at " + Text.pick(random, Lexicon.TOWNS) + ".";
            case 4 -> "The " + animal + " at the farm had babies. Come and see them after " + hour + ".";
            case 5 -> "Thanks for the " + food + ", " + name + ". See you " + Lexicon.at(place) + " on " + day + ".";
            case 6 -> "Text me when you are " + Lexicon.at(place) + ". I will bring my " + thing + ".";
            case 7 -> "I will call you at " + hour + ". My bus to " + Text.pick(random, Lexicon.TOWNS) + " is late again.";
            case 8 -> "We have " + (2 + random.nextInt(9)) + " boxes of " + food + " left. Do you want some? They are free.";
            case 9 -> "Did our team win on " + day + "? " + other + " said the game " + Lexicon.at(place) + " was fun.";
            case 10 -> "Sorry I missed your call, " + name + ". I was " + Lexicon.at(place) + " with the " + animal + ".";
            default -> "My new number is " + (10000 + random.nextInt(90000)) + ". Send me a text, " + name + ".";
        };
    }

    private String name() {
        return random.nextBoolean() ? Text.pick(random, Lexicon.GIRLS) : Text.pick(random, Lexicon.BOYS);
    }
}
