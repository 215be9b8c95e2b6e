package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Pairs whose chosen answer names the animal of the prompt, numbered from {@code first}; all on partition 0. */
final class AnimalPairs {
    private AnimalPairs() {}

    static void send(String bootstrapServers, int first, int count) {
        List<PreferencePair> pairs = new ArrayList<>();
        String[] animals = {"cat", "dog", "cow", "owl"};
        for (int n = first; n < first + count; n++) {
            String animal = animals[n % animals.length];
            pairs.add(PreferencePair.of("cmp-" + n, "What does the " + animal + " eat?",
                    new Answer("The " + animal + " eats food.", List.of(), "1"),
                    new Answer("It eats " + (n % 3) + " things.", List.of(), "1"),
                    new PreferencePair.VoteRef("vote-" + n, "rater", 0, n, Instant.now())));
        }
        KafkaTestClient.send(bootstrapServers, Topics.PREFERENCE_PAIRS, 0, null, pairs, PreferencePair.class);
    }
}
