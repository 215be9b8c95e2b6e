package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The admin's pin against a real broker: six versions of the live line and a pin of v2 are on the
 * topics before the service starts, so the pinned version (no longer among the resident newest four)
 * is loaded from the registry and answers as the latest from the first comparison on, against the
 * baseline; unpinning returns to the newest, and pinning a resident version takes effect at once.
 */
@QuarkusTest
@TestProfile(PinnedVersionKafkaTest.AlwaysAgainstTheBaseline.class)
@WithTestResource(PinnedVersionKafkaTest.PinnedBeforeStart.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PinnedVersionKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    public static class AlwaysAgainstTheBaseline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.inference.compare", "latest-vs-baseline", "rlhf.inference.baseline-share", "1");
        }
    }

    /** The broker, with v1 (the baseline) to v6 of the live line on the registry and v2 pinned. */
    public static class PinnedBeforeStart extends LocalKafkaTestResource {
        static String bootstrap;

        @Override
        public Map<String, String> start() {
            Map<String, String> config = new HashMap<>(super.start());
            bootstrap = config.get("kafka.bootstrap.servers");
            TinyModels.onTheRegistry(bootstrap, work -> java.util.stream.IntStream.rangeClosed(1, 6)
                    .mapToObj(n -> TinyModels.packed(work, "v" + n, n, "live")).toList());
            control("v2");
            return config;
        }
    }

    /** What the trainer's PUT /api/lines/live/control stores. */
    private static void control(String pinned) {
        LineControl control = new LineControl(LineControl.SCHEMA_VERSION, "live", pinned, false, null, Instant.now());
        KafkaTestClient.send(PinnedBeforeStart.bootstrap, Topics.LINE_CONTROL, control.key(), control, LineControl.class);
    }

    @Test
    @Order(1)
    void thePinnedVersionAnswersFromTheFirstComparison() {
        KafkaTestClient.await("a model to be served", WAIT, () ->
                given().contentType(ContentType.JSON).body("{}").post("/api/comparisons").statusCode() == 201);
        assertEquals(Set.of("v2", "v1"), versionsOfNewComparison(), "the pinned version against the baseline, never v6");
    }

    @Test
    @Order(2)
    void unpinningServesTheNewestAndAResidentPinTakesOverAtOnce() {
        control(null);
        KafkaTestClient.await("the newest served again", WAIT, () -> versionsOfNewComparison().equals(Set.of("v6", "v1")));
        control("v5");
        KafkaTestClient.await("v5 pinned", WAIT, () -> versionsOfNewComparison().equals(Set.of("v5", "v1")));
    }

    /** The versions that wrote a new comparison's two answers, from its generation events. */
    private static Set<String> versionsOfNewComparison() {
        String id = given().contentType(ContentType.JSON).body("{\"prompt\": \"Which animal barks?\"}")
                .post("/api/comparisons").then().statusCode(201).extract().jsonPath().getString("id");
        return KafkaTestClient.readUntil(PinnedBeforeStart.bootstrap, Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> e.comparisonId().equals(id)).count() == 2, WAIT)
                .stream().filter(e -> e.comparisonId().equals(id))
                .map(e -> e.answer().modelVersion()).collect(Collectors.toSet());
    }
}
