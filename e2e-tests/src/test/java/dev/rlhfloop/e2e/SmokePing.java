package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The stack's smoke ping: sent to inference-service, relayed over Kafka, its hops read back from trainer-service. */
final class SmokePing {
    static final List<String> ALL_THREE = List.of("inference-service", "feedback-service", "trainer-service");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SmokePing() {}

    /** Fails unless a ping sent to {@code inference} is seen by {@code trainer} to have passed all three services in time. */
    static void assertTravelsThroughAllThree(HttpClient http, URI inference, URI trainer, Duration timeout) throws Exception {
        HttpResponse<String> sent = http.send(HttpRequest.newBuilder(inference.resolve("/smoke"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, sent.statusCode(), sent.body());
        String id = JSON.readTree(sent.body()).get("id").asText();

        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> hops = List.of();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> seen = http.send(HttpRequest.newBuilder(trainer.resolve("/smoke/" + id))
                    .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (seen.statusCode() == 200) {
                hops = new ArrayList<>();
                for (JsonNode hop : JSON.readTree(seen.body()).get("hops")) hops.add(hop.asText());
                if (hops.equals(ALL_THREE)) return;
            }
            Thread.sleep(200);
        }
        fail("smoke ping " + id + " reached only " + hops);
    }
}
