package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.control.LineControls;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The admin's line controls on the trainer, against a real broker: who may set them, a paused line
 * that makes no version while its pairs wait and goes on where it stood when resumed, a control
 * that a restart reads back from the topic, and pruning that keeps the newest N, the first and the
 * pinned version. A version every two pairs keeps the six versions pruning needs cheap.
 */
@QuarkusTest
@TestProfile(LineControlKafkaTest.TwoPairsPerVersion.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LineControlKafkaTest extends AnswersFitTheOpenApiDocument {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String CONTROL = "/api/lines/live/control";
    private static int produced;

    public static class TwoPairsPerVersion implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.pairs-per-version", "2");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @ConfigProperty(name = "rlhf.trainer.data-dir")
    Path dataDir;

    @Test
    @Order(1)
    void theControlsAreTheAdminsAndRefuseWhatCannotBeDone() {
        awaitVersion("1");
        given().get(CONTROL).then().statusCode(200)
                .body("line", equalTo("live")).body("paused", equalTo(false))
                .body("pinnedVersion", nullValue()).body("versionsKept", nullValue());
        given().get("/api/lines/nope/control").then().statusCode(404).body("error", equalTo("not_found"));

        given().contentType("application/json").body("{\"paused\": true}").put(CONTROL).then().statusCode(401)
                .body("error", equalTo("unauthorized"));
        given().header("Authorization", TestSessions.rater("alice")).contentType("application/json").body("{\"paused\": true}")
                .put(CONTROL).then().statusCode(403).body("error", equalTo("forbidden"));

        for (String body : List.of("", "{}", "{\"paused\": \"maybe\"}", "{\"paused\": false, \"versionsKept\": 2}",
                "{\"paused\": false, \"pinnedVersion\": \"99\"}", "{\"paused\": false, \"pinnedVersion\": \"\"}")) {
            admin().body(body).put(CONTROL).then().statusCode(400).body("error", equalTo("bad_request"));
        }
        admin().body("{\"paused\": false, \"pinnedVersion\": \"99\"}").put(CONTROL).then()
                .body("reason", equalTo("line 'live' has no version '99'; its versions: 1"));
        admin().body("{\"paused\": true}").put("/api/lines/nope/control").then().statusCode(404);
        given().get(CONTROL).then().body("paused", equalTo(false));
    }

    @Test
    @Order(2)
    void aPausedLineMakesNoVersionWhileItsPairsWaitAndGoesOnWhenResumed() throws Exception {
        admin().body("{\"paused\": true}").put(CONTROL).then().statusCode(200).body("paused", equalTo(true));
        producePairs(2);
        // What a restarted instance reads: the pause is on the topic.
        try (LineControls fresh = LineControls.follow(kafka.bootstrapServers(), "test-line-control", c -> {})) {
            assertTrue(fresh.awaitCaughtUp(WAIT));
            assertTrue(fresh.of("live").paused());
        }
        // unpaused, two pairs make version 2 in about a second; the registry is read for 3 s
        assertFalse(versionsFor(Duration.ofSeconds(3)).stream().anyMatch(v -> v.versionId().equals("2")), "a paused line published a version");

        admin().body("{\"paused\": false}").put(CONTROL).then().statusCode(200).body("paused", equalTo(false));
        ModelVersion v2 = awaitVersion("2");
        assertEquals(2, v2.trainedOn().pairs(), "the pairs that waited, no more, no fewer");
        assertEquals(2L, v2.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"));
        producePairs(2);
        assertEquals(4L, awaitVersion("3").trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"), "the line goes on");
    }

    @Test
    @Order(3)
    void pruningKeepsTheNewestVersionsTheFirstAndThePinnedOne() {
        producePairs(8);
        awaitVersion("7");
        admin().body("{\"paused\": false, \"pinnedVersion\": \"2\", \"versionsKept\": 4}").put(CONTROL).then().statusCode(200)
                .body("pinnedVersion", equalTo("2")).body("versionsKept", equalTo(4));
        assertEquals(List.of(1, 2, 4, 5, 6, 7), onDisk(), "the newest 4, the first and the pinned one");
        given().header("Authorization", TestSessions.admin()).get("/api/models/3/weights").then().statusCode(404);
        admin().body("{\"paused\": false, \"pinnedVersion\": \"3\"}").put(CONTROL).then().statusCode(400)
                .body("reason", containsString("pruned"));

        admin().body("{\"paused\": false, \"versionsKept\": 4}").put(CONTROL).then().statusCode(200).body("pinnedVersion", nullValue());
        assertEquals(List.of(1, 4, 5, 6, 7), onDisk(), "unpinned, version 2 goes too");
        producePairs(2);
        awaitVersion("8");
        KafkaTestClient.await("version 4 pruned after version 8", WAIT, () -> onDisk().equals(List.of(1, 5, 6, 7, 8)));
        given().get(CONTROL).then().body("versionsKept", equalTo(4));
    }

    private List<Integer> onDisk() {
        return new ModelStore(dataDir).checkpoints("live").stream().map(ModelStore.Checkpoint::number).toList();
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", TestSessions.admin()).contentType("application/json");
    }

    /** Every announcement on the registry within {@code reading}. */
    private List<ModelVersion> versionsFor(Duration reading) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class, v -> false, reading);
    }

    private ModelVersion awaitVersion(String versionId) {
        return RegistryReads.awaitVersion(kafka.bootstrapServers(), versionId, WAIT);
    }

    private void producePairs(int count) {
        AnimalPairs.send(kafka.bootstrapServers(), produced, count);
        produced += count;
    }
}
