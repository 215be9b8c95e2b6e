package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Preference pairs the trainer's Kafka tests put on the log: two prompts in turn, the chosen answer names the animal. */
final class AnimalPairs {
    private AnimalPairs() {}

    /** Pairs {@code first} to {@code first + count - 1} on partition 0 of {@code rlhf.preference-pairs}. */
    static void produce(String bootstrapServers, int first, int count) {
        List<PreferencePair> pairs = new ArrayList<>();
        String[] animals = {"cat", "dog"};
        for (int n = first; n < first + count; n++) {
            String animal = animals[n % animals.length];
            pairs.add(PreferencePair.of("cmp-" + n, "What does the " + animal + " eat?",
                    new Answer("The " + animal + " eats food.", List.of(), "1"),
                    new Answer("It eats " + n + " things.", List.of(), "1"),
                    new PreferencePair.VoteRef("vote-" + n, "rater", 0, n, Instant.now())));
        }
        KafkaTestClient.send(bootstrapServers, Topics.PREFERENCE_PAIRS, 0, null, pairs, PreferencePair.class);
    }
}
