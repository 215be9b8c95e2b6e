package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gateway's access rules and abuse limits, with limits set low enough to reach in a test: who
 * may do what (401 / 403), the body cap (413), the per-address and per-rater rates and the daily
 * vote cap, which thumbs on single answers share (429 with Retry-After). The default limits are in application.properties.
 */
@QuarkusTest
@TestProfile(AccessGateTest.LowLimits.class)
@WithTestResource(ServicesStandIn.class)
class AccessGateTest {
    public static class LowLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rlhf.limits.votes-per-rater-per-hour", "60",          // one vote a minute: a bucket of 1
                    "rlhf.limits.votes-per-rater-per-day", "1",
                    "rlhf.limits.comparisons-per-rater-per-hour", "3600",
                    "rlhf.limits.comparisons-per-address-per-hour", "120", // a bucket of 2
                    "rlhf.limits.max-body-bytes", "1000");
        }
    }

    @TestHTTPResource("/")
    URI base;

    private HttpResponse<String> post(String path, String json, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) request.header("Authorization", authorization);
        return TestHttp.send(request);
    }

    private HttpResponse<String> put(String path, String json, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) request.header("Authorization", authorization);
        return TestHttp.send(request);
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path));
        if (authorization != null) request.header("Authorization", authorization);
        return TestHttp.send(request);
    }

    private static void assertRefused(int status, String code, HttpResponse<String> answer) {
        assertEquals(status, answer.statusCode(), answer.uri() + ": " + answer.body());
        assertTrue(answer.body().startsWith("{\"error\":\"" + code + "\",\"reason\":"), answer.body());
    }

    private static long retryAfter(HttpResponse<String> answer) {
        return Long.parseLong(answer.headers().firstValue("Retry-After").orElseThrow(() -> new AssertionError("no Retry-After: " + answer.body())));
    }

    @Test
    void whoMayDoWhat() throws Exception {
        HttpResponse<String> noSession = post("/api/votes", "{\"comparisonId\":\"c\",\"choice\":\"A\",\"rater\":\"mallory\"}", null);
        assertRefused(401, "unauthorized", noSession);
        assertEquals("Bearer", noSession.headers().firstValue("WWW-Authenticate").orElse(null));
        assertRefused(401, "unauthorized", post("/api/votes", "{}", "Bearer rlhf1.r.mallory.9999999999.forged"));
        assertRefused(401, "unauthorized", post("/api/comparisons", "{}", null));
        assertRefused(401, "unauthorized", post("/api/comparisons/cmp-1/turns", "{\"prompt\":\"and?\"}", null));
        assertRefused(401, "unauthorized", post("/api/chat", "{\"prompt\":\"hi\"}", null));
        assertRefused(401, "unauthorized", post("/api/replays", "{\"from\":\"BEGINNING\"}", null));
        assertRefused(403, "forbidden", post("/api/replays", "{\"from\":\"BEGINNING\"}", TestSessions.rater("alice")));
        assertRefused(403, "forbidden", get("/api/models/1/weights", TestSessions.rater("alice")));
        assertRefused(403, "forbidden", get("/api/raters", TestSessions.rater("alice")));
        // pin, pause, versions kept: the admin's
        assertRefused(401, "unauthorized", put("/api/lines/live/control", "{\"paused\":true}", null));
        assertRefused(403, "forbidden", put("/api/lines/live/control", "{\"paused\":true}", TestSessions.rater("alice")));
        // serving a line beside the live one, and stopping: the admin's
        assertRefused(401, "unauthorized", post("/api/lines/rloo-replay/serve", "", null));
        assertRefused(403, "forbidden", post("/api/lines/rloo-replay/serve", "", TestSessions.rater("alice")));
        assertRefused(403, "forbidden", TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/lines/rloo-replay/serve"))
                .header("Authorization", TestSessions.rater("alice")).DELETE()));
        assertRefused(403, "forbidden", post("/api/raters/r-1/forget", "", TestSessions.rater("alice")));
        assertRefused(401, "unauthorized", post("/api/import/pairs", "{\"pairs\":[]}", null));
        assertRefused(403, "forbidden", post("/api/import/pairs", "{\"pairs\":[]}", TestSessions.rater("alice")));
        assertRefused(403, "forbidden", post("/api/votes", "{}", TestSessions.admin()));   // the admin is not a rater
        assertRefused(401, "unauthorized", post("/api/thumbs/cmp-1/A", "{\"thumb\":\"UP\"}", null));
        assertRefused(403, "forbidden", post("/api/thumbs/cmp-1/A", "{\"thumb\":\"UP\"}", TestSessions.admin()));
        // Reads stay open in local mode; the session endpoint is open to all.
        assertEquals(200, get("/api/models", null).statusCode());
        assertEquals(201, post("/api/session", "", null).statusCode());
    }

    @Test
    void aBodyOverTheCapIs413() throws Exception {
        assertRefused(413, "too_large", post("/api/comparisons", "{\"prompt\":\"" + "x".repeat(2000) + "\"}", TestSessions.rater("bob")));
    }

    @Test
    void ratesAndTheDailyCapAnswer429WithRetryAfter() throws Exception {
        // Comparisons: two from this address, whoever the raters, then the address waits.
        HttpResponse<String> first = post("/api/comparisons", "{}", TestSessions.rater("erin"));
        assertEquals(201, first.statusCode(), first.body());
        assertEquals(201, post("/api/comparisons", "{}", TestSessions.rater("frank")).statusCode());
        HttpResponse<String> third = post("/api/comparisons", "{}", TestSessions.rater("grace"));
        assertRefused(429, "rate_limited", third);
        assertTrue(third.body().contains("from this address"), third.body());
        long wait = retryAfter(third);
        assertTrue(wait >= 1 && wait <= 30, "half a minute refills one of two a minute: " + wait);

        String comparison = ServicesStandIn.JSON.readTree(first.body()).path("id").asText();
        String vote = "{\"comparisonId\":\"" + comparison + "\",\"choice\":\"A\"}";
        // The daily cap: one accepted vote per rater per day here.
        assertEquals(202, post("/api/votes", vote, TestSessions.rater("ada")).statusCode());
        HttpResponse<String> capped = post("/api/votes", vote, TestSessions.rater("ada"));
        assertRefused(429, "rate_limited", capped);
        assertTrue(capped.body().contains("daily cap"), capped.body());
        assertTrue(retryAfter(capped) <= 24 * 3600, "until midnight UTC");
        // A thumbs on one answer draws on the votes' allowance: the cap holds it back too.
        HttpResponse<String> thumbs = post("/api/thumbs/" + comparison + "/A", "{\"thumb\":\"UP\"}", TestSessions.rater("ada"));
        assertRefused(429, "rate_limited", thumbs);
        assertTrue(thumbs.body().contains("daily cap"), thumbs.body());
        // The per-rater rate: a refused vote (unknown comparison) still spent the minute's one vote.
        assertEquals(400, post("/api/votes", "{\"comparisonId\":\"unknown\",\"choice\":\"A\"}", TestSessions.rater("bea")).statusCode());
        HttpResponse<String> tooFast = post("/api/votes", vote, TestSessions.rater("bea"));
        assertRefused(429, "rate_limited", tooFast);
        assertTrue(tooFast.body().contains("from this rater"), tooFast.body());
        long again = retryAfter(tooFast);
        assertTrue(again >= 55 && again <= 60, "one vote a minute: " + again);
    }
}
