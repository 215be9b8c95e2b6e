package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Admission against a real broker and a loaded model: a generation queue with room for fewer
 * answers than a comparison needs refuses every comparison at once with 503 and Retry-After, where
 * an unbounded queue would have let it wait.
 */
@QuarkusTest
@TestProfile(GenerationQueueKafkaTest.TinyQueue.class)
@WithTestResource(LocalKafkaTestResource.class)
class GenerationQueueKafkaTest {
    public static class TinyQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.inference.max-queued-answers", "1", "rlhf.inference.queue-full-retry-after", "7s");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    void aFullQueueAnswers503WithRetryAfter() throws Exception {
        ModelVersion version = TinyModels.packed(Files.createTempDirectory("queue-test"), "1", 3, "live");
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, version.key(), version, ModelVersion.class);
        Response[] last = new Response[1];
        // 503 no_model until the version is loaded; then the queue's refusal.
        KafkaTestClient.await("the model loaded and the queue refusing", Duration.ofSeconds(60), () -> {
            last[0] = given().contentType(ContentType.JSON).body("{}").post("/api/comparisons");
            return "overloaded".equals(last[0].jsonPath().getString("error"));
        });
        assertEquals(503, last[0].statusCode());
        assertEquals("7", last[0].header("Retry-After"));
        assertTrue(last[0].jsonPath().getString("reason").contains("rlhf.inference.max-queued-answers"), last[0].asString());
    }
}
