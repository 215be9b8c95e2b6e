package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Several inference instances behind the gateway (InferenceInstances: alpha, one that refuses, beta). */
@QuarkusTest
@WithTestResource(InferenceInstances.class)
class GatewayInstancesTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void newComparisonsAreSharedRoundRobinAndTheInstanceThatRefusesIsSkipped() throws Exception {
        Map<String, Integer> served = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons"))
                    .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("gw"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
            assertEquals(201, res.statusCode(), res.body());
            served.merge(new JsonObject(res.body()).getString("instance"), 1, Integer::sum);
        }
        // Round robin over three with one down: each live instance gets between a third and two thirds.
        assertEquals(2, served.size(), served.toString());
        served.values().forEach(n -> assertTrue(n >= 4 && n <= 8, served.toString()));
    }

    @Test
    void aComparisonsReadsAndEventsGoToTheInstanceNamedInItsId() throws Exception {
        for (String owner : List.of("alpha", "beta", "beta", "alpha", "beta")) {
            HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/" + owner + ".c1")));
            assertEquals(200, res.statusCode(), res.body());
            assertEquals(owner, new JsonObject(res.body()).getString("instance"));
            HttpResponse<String> events = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/" + owner + ".c1/events")));
            assertEquals(owner, events.headers().firstValue("X-Rlhf-Instance").orElse(null));
            assertTrue(events.body().endsWith("event: done\ndata: {\"slot\":\"B\",\"text\":\"Hi\"}\n\n"), events.body());
            // a follow-up continues the comparison where its answers are: on the same instance
            HttpResponse<String> turn = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/" + owner + ".c1/turns"))
                    .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("gw"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"and?\"}")));
            assertEquals(owner, turn.headers().firstValue("X-Rlhf-Instance").orElse(null), turn.body());
        }
    }

    /** The session check (in front of the proxy) and the services read these: they pass unchanged. */
    @Test
    void authorizationAndCookieReachTheServiceUnchanged() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/stats"))
                .header("Authorization", "Bearer t0k.en").header("Cookie", "rlhf_session=abc; other=1"));
        JsonObject seen = new JsonObject(res.body());
        assertEquals("Bearer t0k.en", seen.getString("authorization"));
        assertEquals("rlhf_session=abc; other=1", seen.getString("cookie"));
    }

    @Test
    void aQuietStreamStaysOpenUntilTheInstanceSpeaks() throws Exception {
        HttpResponse<String> res = TestHttp.client().send(HttpRequest.newBuilder(base.resolve("/api/comparisons/alpha.quiet/events"))
                .timeout(java.time.Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(res.body().endsWith("event: done\ndata: {\"slot\":\"B\",\"text\":\"Hi\"}\n\n"), res.body());
    }

    @Test
    void aComparisonWhoseInstanceIsGoneIsA404ThePageCanActOn() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/gamma.c1/events")));
        assertEquals(404, res.statusCode(), res.body());
        JsonObject body = new JsonObject(res.body());
        assertEquals("comparison_gone", body.getString("error"));
        assertTrue(body.getString("reason").contains("inference instance 'gamma', which is not running any more; start a new comparison"), res.body());
    }

    @Test
    void anInstanceThatDiesMidStreamEndsTheStreamWithAnErrorEvent() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/beta.dying/events")));
        assertEquals(200, res.statusCode());
        String[] events = res.body().split("\n\n");
        assertEquals("event: token\ndata: {\"slot\":\"A\",\"text\":\"Hel\"}", events[0]);
        assertTrue(events[1].startsWith("event: error\ndata: {\"error\":\"stream_cut\",\"reason\":\"the inference instance generating this comparison"),
                res.body());
        assertEquals(2, events.length, res.body());
    }

    @Test
    void statusListsEveryInstanceWithItsName() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/status")));
        JsonObject inference = new JsonObject(res.body()).getJsonArray("services").getJsonObject(0);
        assertEquals("inference-service", inference.getString("name"));
        assertEquals(true, inference.getBoolean("reachable"));
        assertEquals("UP", inference.getString("status"));
        JsonArray instances = inference.getJsonArray("instances");
        assertEquals(3, instances.size());
        assertEquals(List.of("alpha", "", "beta"), IntStream.range(0, 3)
                .mapToObj(i -> instances.getJsonObject(i).getString("instance", "")).toList());
        assertEquals(List.of(true, false, true), IntStream.range(0, 3)
                .mapToObj(i -> instances.getJsonObject(i).getBoolean("reachable")).toList());
    }
}
