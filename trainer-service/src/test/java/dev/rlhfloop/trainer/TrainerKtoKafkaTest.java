package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The live line with {@code rlhf.trainer.algorithm=kto}, against a real broker: thumbs on single
 * answers (rlhf.thumbs) train beside the pairs, in the log's one order, and their offsets are
 * recorded with the version; a batch of thumbs alone trains too; a replay reads the thumbs topic and
 * rebuilds every version bit for bit.
 */
@QuarkusTest
@TestProfile(TrainerKtoKafkaTest.Kto.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
class TrainerKtoKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    public static class Kto implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.algorithm", "kto", "rlhf.trainer.kto.learning-rate", "1e-3");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    /** {@code count} thumbs on partition {@code partition}, numbered from {@code first}: up on answers naming the animal, down on the rest. */
    private void sendThumbs(int partition, int first, int count, Instant from) {
        String[] animals = {"cat", "dog", "cow", "owl"};
        List<ThumbsEvent> thumbs = new ArrayList<>();
        for (int n = first; n < first + count; n++) {
            String animal = animals[n % animals.length];
            boolean up = n % 2 == 0;
            var answer = GenerationEvent.of("gen-" + n, "cmp-t" + n, Slot.A, "What does the " + animal + " eat?",
                    new Answer(up ? "The " + animal + " eats grass." : "Blue " + n + ".", List.of(), "1"),
                    new Sampling(0.8, 40, 0.95, 16, 7), -1.0);
            thumbs.add(ThumbsEvent.of(answer, up, "rater-" + n, from.plusSeconds(n)));
        }
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.THUMBS, partition, null, thumbs, ThumbsEvent.class);
    }

    @Test
    void thumbsTrainBesidePairsAndAReplayRebuildsThemBitForBit() {
        assertEquals(Algorithm.SFT, awaitVersion("1").algorithm());
        // Two thumbs first (older than the pairs, so they lead the order), then two pairs: four ratings due, one batch.
        sendThumbs(1, 0, 2, Instant.now().minusSeconds(60));
        AnimalPairs.send(kafka.bootstrapServers(), 0, 2);
        ModelVersion v2 = awaitVersion("2");
        assertEquals(Algorithm.KTO, v2.algorithm());
        assertEquals(2, v2.trainedOn().pairs());
        assertEquals(4, v2.trainedOn().votes(), "two pairs and two thumbs");
        assertEquals(6.0, v2.metrics().get("ratings"), "each pair's answers rated alone, and the two thumbs");
        assertEquals(2.0, v2.metrics().get("thumbs"));
        assertEquals(2L, v2.trainedOn().offsets().get(Topics.THUMBS + ":1"), "the thumbs' offsets are recorded with the pairs'");
        assertEquals(2L, v2.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"));

        // A batch of thumbs alone: no pair for the reward model, KTO on the ratings.
        sendThumbs(2, 2, 4, Instant.now());
        ModelVersion v3 = awaitVersion("3");
        assertEquals(0, v3.trainedOn().pairs());
        assertEquals(4.0, v3.metrics().get("ratings"));
        assertFalse(v3.metrics().containsKey("rewardTrainAccuracy"), "no pairs, no reward-model training: " + v3.metrics());
        assertNotEquals(v2.weights().sha256(), v3.weights().sha256());

        given().header("Authorization", TestSessions.admin()).contentType("application/json")
                .body("{\"from\": \"BEGINNING\", \"line\": \"again\"}").post("/api/replays")
                .then().statusCode(202).body("algorithm", org.hamcrest.Matchers.equalTo("KTO"));
        KafkaTestClient.await("the replay done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[0].state")));
        assertEquals(List.of("IDENTICAL", "IDENTICAL"),
                given().get("/api/replays").then().statusCode(200).extract().jsonPath().getList("[0].comparisons.result"));
        assertEquals(v3.trainedOn().offsets(), awaitVersion("again-3").trainedOn().offsets());
        assertEquals(v3.metrics(), awaitVersion("again-3").metrics());
    }

    private ModelVersion awaitVersion(String versionId) {
        return RegistryReads.awaitVersion(kafka.bootstrapServers(), versionId, WAIT);
    }
}
