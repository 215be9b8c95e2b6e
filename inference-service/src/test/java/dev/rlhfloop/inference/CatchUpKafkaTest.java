package dev.rlhfloop.inference;

import dev.rlhfloop.kafka.testing.KafkaTestClient;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.ModelVersion;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A service starting after versions were published: it reads the registry from the beginning,
 * serves the latest version of its line and, in latest-vs-previous mode, pits it against the one before.
 */
@QuarkusTest
@TestProfile(CatchUpKafkaTest.LatestVsPrevious.class)
@WithTestResource(CatchUpKafkaTest.PublishedBeforeStart.class)
class CatchUpKafkaTest {

    public static class LatestVsPrevious implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.inference.compare", "latest-vs-previous");
        }
    }

    /** The broker, with three versions of the live line and one of a replay line already on the registry. */
    public static class PublishedBeforeStart extends VersionsOnTheRegistry {
        @Override
        protected List<ModelVersion> versions(Path work) {
            return List.of(TinyModels.packed(work, "v1", 1, "live"), TinyModels.packed(work, "v2", 2, "live"),
                    TinyModels.packed(work, "v3", 3, "live"), TinyModels.packed(work, "replay-1", 4, "replay"));
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void servesTheLatestAgainstThePreviousVersion() {
        KafkaTestClient.await("a model to be served", Duration.ofSeconds(60), () ->
                given().contentType(ContentType.JSON).body("{}").post("/api/comparisons").statusCode() == 201);
        String id = given().contentType(ContentType.JSON).body("{\"prompt\": \"Which animal barks?\"}")
                .post("/api/comparisons").then().statusCode(201).extract().jsonPath().getString("id");
        Set<String> versions = KafkaTestClient.readUntil(bootstrap, Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> e.comparisonId().equals(id)).count() == 2, Duration.ofSeconds(60))
                .stream().filter(e -> e.comparisonId().equals(id))
                .map(e -> e.answer().modelVersion()).collect(Collectors.toSet());
        assertEquals(Set.of("v3", "v2"), versions);
    }
}
