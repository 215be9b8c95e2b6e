package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;

import dev.rlhfloop.service.testing.TestSessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PublicApi;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.TrainingEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The live line with {@code rlhf.trainer.algorithm=rloo}, against a real broker (its own: another
 * profile is another application): pairs become an RLOO version whose weights load, with RLOO's
 * metrics and progress; a replay of the same pairs may choose DPO instead, and one that does not
 * choose rebuilds the RLOO version bit for bit.
 */
@QuarkusTest
@TestProfile(TrainerRlooKafkaTest.Rloo.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
class TrainerRlooKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final PublicApi OPENAPI = PublicApi.load();

    /** RLOO for the live line, with few and short samples: the tiny model's update takes well under a second. */
    public static class Rloo implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.algorithm", "rloo",
                    "rlhf.trainer.rloo.steps", "2",
                    "rlhf.trainer.rloo.max-new-tokens", "8");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    void pairsBecomeALoadableRlooVersionThatReplaysRebuildAndAReplayMayChooseDpo() throws Exception {
        assertEquals(Algorithm.SFT, awaitVersion("1").algorithm());
        AnimalPairs.send(kafka.bootstrapServers(), 0, 4);

        ModelVersion v2 = awaitVersion("2");
        assertEquals(Algorithm.RLOO, v2.algorithm());
        assertEquals("1", v2.parentVersion());
        assertEquals(4, v2.trainedOn().pairs());
        for (String metric : List.of("reward", "kl", "totalReward", "responseLength", "rlooLoss", "rewardBefore", "prompts",
                "rewardTrainAccuracy")) {
            assertTrue(v2.metrics().containsKey(metric), metric + " missing from " + v2.metrics());
        }
        // Four pairs on two prompts, each sampled once; the tiny model's 32-token context may cut both to one tail.
        double prompts = v2.metrics().get("prompts");
        assertTrue(prompts >= 1 && prompts <= 2, "distinct prompts: " + prompts);
        assertFalse(v2.metrics().containsKey("dpoLoss"), "no DPO in an RLOO update: " + v2.metrics());

        List<TrainingEvent> events = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.TRAINING_EVENTS, TrainingEvent.class,
                e -> e.stream().anyMatch(x -> x.phase() == Algorithm.RLOO && x.message() != null && x.message().startsWith("published")), WAIT);
        assertEquals(2, events.stream().filter(e -> e.phase() == Algorithm.RLOO && e.loss() != null && e.totalSteps() == 2).count(),
                "one progress event per RLOO step");
        assertTrue(events.stream().noneMatch(e -> e.phase() == Algorithm.DPO), "no DPO progress");

        byte[] zip = given().header("Authorization", TestSessions.admin()).get(URI.create(v2.weights().url()).getPath()).then().statusCode(200).extract().asByteArray();
        assertEquals(v2.weights().sha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip)));
        Path dir = Files.createTempDirectory("rloo-weights");
        Files.write(dir.resolve("w.zip"), zip);
        ModelArchive.unpack(dir.resolve("w.zip"), dir.resolve("model"));
        Gpt loaded = Models.load(dir.resolve("model"));
        assertEquals(32, loaded.config().contextLength(), "the tiny bootstrap's model");
        assertEquals("RLOO", given().get("/api/models").then().statusCode(200).extract().jsonPath().getString("[1].algorithm"));

        Response refused = given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"BEGINNING\", \"algorithm\": \"ppo\"}").post("/api/replays");
        refused.then().statusCode(400).body("reason", org.hamcrest.Matchers.containsString("DPO or RLOO"));

        Response started = given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"BEGINNING\", \"line\": \"as-dpo\", \"algorithm\": \"dpo\"}")
                .post("/api/replays");
        started.then().statusCode(202).body("algorithm", org.hamcrest.Matchers.equalTo("DPO"));
        assertEquals(List.of(), OPENAPI.problems("POST", "/api/replays", 202, started.asString()));
        KafkaTestClient.await("the replay done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[0].state")));
        Response replays = given().get("/api/replays");
        assertEquals(List.of(), OPENAPI.problems("GET", "/api/replays", 200, replays.asString()));
        ModelVersion replayed = awaitVersion("as-dpo-2");
        assertEquals(Algorithm.DPO, replayed.algorithm());
        assertTrue(replayed.metrics().containsKey("dpoLoss"), replayed.metrics().toString());
        assertEquals(v2.trainedOn().offsets(), replayed.trainedOn().offsets(), "the same pairs, another algorithm");

        // Without "algorithm" a replay runs the trainer's (RLOO), and rebuilds the live version's weights bit for bit.
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"BEGINNING\", \"line\": \"again\"}").post("/api/replays")
                .then().statusCode(202).body("algorithm", org.hamcrest.Matchers.equalTo("RLOO"));
        KafkaTestClient.await("the second replay done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[1].state")));
        ModelVersion again = awaitVersion("again-2");
        assertEquals(Algorithm.RLOO, again.algorithm());
        assertEquals(v2.weights().sha256(), again.weights().sha256(), "same pairs, seed and settings: the same RLOO weights");
        assertEquals(v2.metrics(), again.metrics());
    }

    private ModelVersion awaitVersion(String versionId) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class,
                        v -> v.stream().anyMatch(x -> x.versionId().equals(versionId)), WAIT).stream()
                .filter(x -> x.versionId().equals(versionId)).findFirst()
                .orElseThrow(() -> new AssertionError("version " + versionId + " was not published"));
    }
}
