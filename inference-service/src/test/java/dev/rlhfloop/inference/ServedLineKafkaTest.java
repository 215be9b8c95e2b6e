package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A replay's line served beside the live one, against a real broker: the serve flag is on
 * {@code rlhf.line-control} before the service starts (as after a restart), so the line's newest
 * version is loaded and a line-vs-line comparison pits it against the live line's latest; a newer
 * version of the served line is hot-loaded; once no longer served, a request for the mode is refused
 * with its reason and the service's own mode never shows the line.
 */
@QuarkusTest
@WithTestResource(ServedLineKafkaTest.ServedBeforeStart.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServedLineKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String LINE = "rloo-replay";

    /** The broker, with v1 and v2 of the live line and rloo-replay-2 on the registry, and rloo-replay served. */
    public static class ServedBeforeStart extends LocalKafkaTestResource {
        static String bootstrap;

        @Override
        public Map<String, String> start() {
            Map<String, String> config = new HashMap<>(super.start());
            bootstrap = config.get("kafka.bootstrap.servers");
            TinyModels.onTheRegistry(bootstrap, work -> List.of(TinyModels.packed(work, "1", 1, "live"),
                    TinyModels.packed(work, "2", 2, "live"), TinyModels.packed(work, LINE + "-2", 12, LINE)));
            serve(true);
            return config;
        }
    }

    /** What the trainer's POST (true) or DELETE (false) /api/lines/rloo-replay/serve stores. */
    private static void serve(boolean served) {
        LineControl control = LineControl.none(LINE).servedBeside(served, Instant.now());
        KafkaTestClient.send(ServedBeforeStart.bootstrap, Topics.LINE_CONTROL, control.key(), control, LineControl.class);
    }

    @Test
    @Order(1)
    void aLineVsLineComparisonPitsTheLiveLinesLatestAgainstTheServedLines() {
        KafkaTestClient.await("the served line's version loaded", WAIT, () -> given().contentType(ContentType.JSON)
                .body("{\"mode\": \"line-vs-line\"}").post("/api/comparisons").statusCode() == 201);
        assertEquals(Set.of("2", LINE + "-2"), versionsOfNewComparison("line-vs-line"));
        assertEquals(Set.of("2", "1"), versionsOfNewComparison("latest-vs-baseline"), "a request may name any mode");
    }

    @Test
    @Order(2)
    void aNewerVersionOfTheServedLineIsHotLoaded() throws Exception {
        Path work = Files.createTempDirectory("served-line");
        var v3 = TinyModels.packed(work, LINE + "-3", 13, LINE);
        KafkaTestClient.send(ServedBeforeStart.bootstrap, Topics.MODEL_VERSIONS, v3.key(), v3, dev.rlhfloop.contracts.ModelVersion.class);
        KafkaTestClient.await("rloo-replay-3 answering", WAIT, () -> versionsOfNewComparison("line-vs-line").equals(Set.of("2", LINE + "-3")));
    }

    @Test
    @Order(3)
    void aLineNoLongerServedLeavesAndTheModeIsRefusedWithItsReason() {
        serve(false);
        KafkaTestClient.await("the mode refused", WAIT, () -> given().contentType(ContentType.JSON).body("{\"mode\": \"line-vs-line\"}")
                .post("/api/comparisons").statusCode() == 400);
        given().contentType(ContentType.JSON).body("{\"mode\": \"line-vs-line\"}").post("/api/comparisons").then()
                .statusCode(400).body("error", equalTo("bad_request"))
                .body("reason", containsString("POST /api/lines/{line}/serve"));
        given().contentType(ContentType.JSON).body("{\"mode\": \"side-by-side\"}").post("/api/comparisons").then()
                .statusCode(400).body("error", equalTo("bad_request")).body("reason", containsString("line-vs-line"));
        Set<String> own = versionsOfNewComparison(null);
        assertTrue(Set.of("1", "2").containsAll(own), "the service's own mode never shows the line: " + own);
    }

    /** The versions that wrote a new comparison's two answers in {@code mode} (null: the service's), from its generation events. */
    private static Set<String> versionsOfNewComparison(String mode) {
        String body = mode == null ? "{\"prompt\": \"Which animal barks?\"}" : "{\"prompt\": \"Which animal barks?\", \"mode\": \"" + mode + "\"}";
        String id = given().contentType(ContentType.JSON).body(body)
                .post("/api/comparisons").then().statusCode(201).extract().jsonPath().getString("id");
        return KafkaTestClient.readUntil(ServedBeforeStart.bootstrap, Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> e.comparisonId().equals(id)).count() == 2, WAIT)
                .stream().filter(e -> e.comparisonId().equals(id))
                .map(e -> e.answer().modelVersion()).collect(Collectors.toSet());
    }
}
