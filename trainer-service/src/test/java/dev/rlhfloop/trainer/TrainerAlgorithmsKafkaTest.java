package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.TrainingEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * GRPO, KTO and PPO in the trainer, against a real broker: the live line runs GRPO (a profile is
 * one application, so one live algorithm per broker start); its versions carry GRPO's metrics and
 * progress, and a replay rebuilds them bit for bit. KTO and PPO run as replays' algorithms on the
 * same pairs, each replayed twice to the same bits — PPO over two versions, so the second trains on
 * the critic the first left (kept in the latest checkpoint, like the reward model).
 */
@QuarkusTest
@TestProfile(TrainerAlgorithmsKafkaTest.Grpo.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
class TrainerAlgorithmsKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** GRPO for the live line; GRPO and PPO with two short steps: the tiny model's update takes about a second. */
    public static class Grpo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.algorithm", "grpo",
                    "rlhf.trainer.grpo.steps", "2",
                    "rlhf.trainer.grpo.max-new-tokens", "8",
                    "rlhf.trainer.ppo.steps", "2",
                    "rlhf.trainer.ppo.max-new-tokens", "8",
                    "rlhf.trainer.kto.learning-rate", "1e-3");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @ConfigProperty(name = "rlhf.trainer.data-dir")
    Path dataDir;

    @Test
    void grpoRunsLiveAndEveryNewAlgorithmReplaysBitForBit() throws Exception {
        assertEquals(Algorithm.SFT, awaitVersion("1").algorithm());
        AnimalPairs.send(kafka.bootstrapServers(), 0, 4);
        ModelVersion v2 = awaitVersion("2");
        AnimalPairs.send(kafka.bootstrapServers(), 4, 4);
        ModelVersion v3 = awaitVersion("3");

        for (ModelVersion v : List.of(v2, v3)) {
            assertEquals(Algorithm.GRPO, v.algorithm());
            assertTrue(v.metrics().keySet().containsAll(List.of("reward", "rewardBefore", "rewardStd", "kl", "responseLength", "grpoLoss",
                    "clipFraction", "prompts", "rewardTrainAccuracy")), v.metrics().toString());
            assertFalse(v.metrics().containsKey("dpoLoss"), "no DPO in a GRPO update: " + v.metrics());
        }
        List<TrainingEvent> events = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.TRAINING_EVENTS, TrainingEvent.class,
                e -> e.stream().filter(x -> x.phase() == Algorithm.GRPO && x.message() != null && x.message().startsWith("published"))
                        .count() >= 2, WAIT);
        assertEquals(4, events.stream().filter(e -> e.phase() == Algorithm.GRPO && e.loss() != null && e.totalSteps() == 2).count(),
                "one progress event per GRPO step, two steps per version");
        assertEquals("GRPO", given().get("/api/models").then().statusCode(200).extract().jsonPath().getString("[2].algorithm"));

        // Without "algorithm" a replay runs the live line's GRPO and rebuilds both versions.
        assertEquals(List.of("IDENTICAL", "IDENTICAL"), replay("{\"from\": \"BEGINNING\", \"line\": \"grpo\"}", "GRPO", 0));
        assertEquals(v3.metrics(), awaitVersion("grpo-3").metrics());

        assertEquals(List.of("DIFFERS", "DIFFERS"), replay("{\"from\": \"BEGINNING\", \"line\": \"kto\", \"algorithm\": \"kto\"}", "KTO", 1),
                "another algorithm than live's");
        ModelVersion kto3 = awaitVersion("kto-3");
        assertEquals(Algorithm.KTO, kto3.algorithm());
        assertTrue(kto3.metrics().keySet().containsAll(List.of("ktoLoss", "ktoLossBefore", "ktoTrainLoss", "desirableReward",
                "undesirableReward", "referencePoint", "ktoAccuracy", "ratings")), kto3.metrics().toString());
        assertEquals(8.0, kto3.metrics().get("ratings"), "four pairs, each answer rated alone");
        replay("{\"from\": \"BEGINNING\", \"line\": \"kto-again\", \"algorithm\": \"KTO\"}", "KTO", 2);
        assertEquals(kto3.weights().sha256(), awaitVersion("kto-again-3").weights().sha256(), "KTO replays to the same bits");
        assertEquals(kto3.metrics(), awaitVersion("kto-again-3").metrics());

        replay("{\"from\": \"BEGINNING\", \"line\": \"ppo\", \"algorithm\": \"ppo\"}", "PPO", 3);
        ModelVersion ppo2 = awaitVersion("ppo-2");
        ModelVersion ppo3 = awaitVersion("ppo-3");
        assertEquals(Algorithm.PPO, ppo3.algorithm());
        assertTrue(ppo3.metrics().keySet().containsAll(List.of("reward", "rewardBefore", "kl", "responseLength", "ppoLoss", "valueLoss",
                "clipFraction", "prompts")), ppo3.metrics().toString());
        assertNotEquals(ppo2.weights().sha256(), ppo3.weights().sha256());
        Path line = dataDir.resolve("lines").resolve("ppo");
        assertTrue(Files.isDirectory(line.resolve("3").resolve(ModelStore.VALUE_MODEL_DIR)), "the latest PPO version keeps its critic");
        assertFalse(Files.exists(line.resolve("2").resolve(ModelStore.VALUE_MODEL_DIR)), "older versions drop theirs");
        replay("{\"from\": \"BEGINNING\", \"line\": \"ppo-again\", \"algorithm\": \"ppo\"}", "PPO", 4);
        assertEquals(ppo3.weights().sha256(), awaitVersion("ppo-again-3").weights().sha256(), "PPO replays to the same bits");
        assertEquals(ppo3.metrics(), awaitVersion("ppo-again-3").metrics());
    }

    /** Starts the {@code index}-th replay, checks the algorithm it answers with, waits until it is done; its comparisons' results. */
    private List<String> replay(String body, String algorithm, int index) {
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body(body).post("/api/replays")
                .then().statusCode(202).body("algorithm", org.hamcrest.Matchers.equalTo(algorithm));
        KafkaTestClient.await("replay " + body + " done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[" + index + "].state")));
        return given().get("/api/replays").then().statusCode(200).extract().jsonPath().getList("[" + index + "].comparisons.result");
    }

    private ModelVersion awaitVersion(String versionId) {
        return RegistryReads.awaitVersion(kafka.bootstrapServers(), versionId, WAIT);
    }
}
