package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.api.Stats;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import dev.rlhfloop.service.testing.EventStream;

/**
 * The dashboard's stats stream through the gateway, against the stand-in that speaks
 * feedback-service's contract (FeedbackServiceKafkaTest tests the real service): the first event
 * is a GET /api/stats body, and a vote brings the next one while the stream stays open, so the
 * gateway neither buffers the stream nor drops the route.
 */
@QuarkusTest
@WithTestResource(ServicesStandIn.class)
class StatsEventsThroughGatewayTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void aVoteArrivesAsTheNextStatsEvent() throws Exception {
        HttpResponse<InputStream> stream = TestHttp.client().send(
                HttpRequest.newBuilder(base.resolve("/api/stats/events")).header("Accept", "text/event-stream")
                        .timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream", stream.headers().firstValue("Content-Type").orElse(null));
        BlockingQueue<String> statsData = EventStream.follow(stream.body(), "stats").data();
        try {
            String first = statsData.poll(20, TimeUnit.SECONDS);
            assertNotNull(first, "no stats event on connect");
            assertEquals(List.of(), ContractsFit.problems(first, Stats.class), "the event's data is a GET /api/stats body");
            long votesBefore = ServicesStandIn.JSON.readTree(first).path("totals").path("votes").asLong();

            HttpResponse<String> created = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons"))
                    .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("stream-watcher"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(201, created.statusCode(), created.body());
            String comparisonId = ServicesStandIn.JSON.readTree(created.body()).path("id").asText();
            HttpResponse<String> voted = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/votes"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("stream-watcher"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"comparisonId\": \"" + comparisonId + "\", \"choice\": \"TIE\", \"rater\": \"stream-watcher\"}")));
            assertEquals(202, voted.statusCode(), voted.body());

            JsonNode counted = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (counted == null && System.nanoTime() < deadline) {
                String next = statsData.poll(1, TimeUnit.SECONDS);
                if (next == null) continue;
                JsonNode stats = ServicesStandIn.JSON.readTree(next);
                if (stats.path("totals").path("votes").asLong() > votesBefore) counted = stats;
            }
            assertNotNull(counted, "the vote never arrived on the open stream");
        } finally {
            stream.body().close();
        }
    }

    @Test
    void onlyTheServicesStatsRoutesAreServed() throws Exception {
        assertEquals(404, TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/stats/nothing-here"))).statusCode());
    }
}
