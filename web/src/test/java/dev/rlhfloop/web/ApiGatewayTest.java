package dev.rlhfloop.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(GatewayUpstream.class)
class ApiGatewayTest {

    @TestHTTPResource("/")
    URI base;


    @Test
    void postGoesToInferenceWithBodyQueryHeadersAndStatus() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons?x=1&y=%C3%A9"))
                .header("Content-Type", "application/json")
                .header("X-Rater", "r1")
                .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("r1"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"Name a cat\"}")));
        assertEquals(201, res.statusCode());
        assertEquals("inference", res.headers().firstValue("X-Upstream").orElse(null));
        assertEquals("{\"method\":\"POST\",\"uri\":\"/api/comparisons?x=1&y=%C3%A9\",\"rater\":\"r1\","
                + "\"body\":{\"prompt\":\"Name a cat\"}}", res.body());
    }

    /**
     * The gateway's checks and limits go by the path as sent; the service resolves its dot segments
     * to another resource ("/api/stats/%2e%2e/votes" is a vote there). Such paths are refused.
     */
    @Test
    void pathsThatClimbOutOfTheirRouteAreRefusedNotForwarded() throws Exception {
        for (String path : List.of("/api/stats/%2e%2e/votes", "/api/models/%2E%2e/replays",
                "/api/stats/.%2e/models", "/api/models/a%2Fb", "/api/models/a%5c..%5cb", "/api/models/./3")) {
            HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path)));
            assertEquals(400, res.statusCode(), path + ": " + res.body());
            assertTrue(res.body().startsWith("{\"error\":\"bad_request\""), res.body());
            assertTrue(res.headers().firstValue("X-Upstream").isEmpty(), path + " reached a service");
        }
        assertFalse(ApiGateway.climbs("/api/models/v1..2/weights"), "dots inside a segment are a name");
    }

    @Test
    void trainerPathsAreRoutedAndErrorBodiesPassThrough() throws Exception {
        HttpResponse<String> ok = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/models/3")));
        assertEquals(200, ok.statusCode());
        assertEquals("[{\"version\":\"1\",\"path\":\"/api/models/3\"}]", ok.body());

        HttpResponse<String> busy = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/models?busy")));
        assertEquals(409, busy.statusCode(), busy.body());
        assertEquals("application/json", busy.headers().firstValue("Content-Type").orElse(null));
        assertEquals("{\"error\":\"trainer_busy\",\"reason\":\"a replay is running\"}", busy.body());
    }

    @Test
    void unreachableServiceAnswers503WithJsonReason() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/votes"))
                .header("Content-Type", "application/json")
                .header("Authorization", dev.rlhfloop.service.testing.TestSessions.rater("r1"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"comparisonId\":\"c1\",\"choice\":\"A\"}")));
        assertEquals(503, res.statusCode());
        assertEquals("application/json", res.headers().firstValue("Content-Type").orElse(null));
        assertTrue(res.body().startsWith("{\"error\":\"service_unavailable\",\"reason\":\"feedback-service is not reachable at http://127.0.0.1:"),
                res.body());
        assertTrue(res.body().contains("\"service\":\"feedback-service\""), res.body());
        // the stats stream is feedback-service's too (it serves it; GatewayUpstream leaves feedback unreachable):
        // the gateway's 503 names that service, where a path nobody owns would be a 404
        HttpResponse<String> stream = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/stats/events"))
                .header("Accept", "text/event-stream"));
        assertEquals(503, stream.statusCode(), stream.body());
        assertTrue(stream.body().contains("\"service\":\"feedback-service\""), stream.body());
    }

    /** The gateway serves its own meters on its own port; /q/* is never forwarded, so no service's meters show here. */
    @Test
    void metricsAreTheGatewaysOwnInPrometheusTextFormat() throws Exception {
        assertEquals(200, TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/comparisons/cmp-metrics-1"))).statusCode());
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/q/metrics")).header("Accept", "text/plain"));
        assertEquals(200, res.statusCode());
        String contentType = res.headers().firstValue("Content-Type").orElse("");
        assertTrue(contentType.startsWith("text/plain") && contentType.contains("version=0.0.4"), contentType);
        // requests are counted by route: an id in the path would make a series per comparison
        assertTrue(res.body().lines().anyMatch(line -> line.startsWith("http_server_requests_seconds_count{")
                && line.contains("uri=\"/api/comparisons/{id}\"") && line.contains("status=\"200\"")), res.body());
        assertFalse(res.body().contains("cmp-metrics-1"), res.body());
        assertTrue(res.body().lines().noneMatch(line -> line.startsWith("rlhf_")), "a service's meters: " + res.body());
    }

    @Test
    void unknownApiPathIs404WithReasonAndPrefixesDoNotOverreach() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/modelsx")));
        assertEquals(404, res.statusCode());
        assertEquals("{\"error\":\"not_found\",\"reason\":\"No service serves /api/modelsx\"}", res.body());
    }

    @Test
    void serverSentEventsArriveOneByOneNotBuffered() throws Exception {
        GatewayUpstream.clientSawFirstEvent = new CountDownLatch(1);
        HttpResponse<InputStream> res = TestHttp.client().send(
                HttpRequest.newBuilder(base.resolve("/api/comparisons/stepwise/events"))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, res.statusCode());
        assertEquals("text/event-stream", res.headers().firstValue("Content-Type").orElse(null));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
            // The upstream holds back the second event until we have seen the first one:
            // a buffering gateway would deliver nothing here and the upstream would give up.
            assertEquals("event: token", lines.readLine());
            assertEquals("data: {\"slot\":\"A\",\"text\":\"Hel\"}", lines.readLine());
            assertEquals("", lines.readLine());
            GatewayUpstream.clientSawFirstEvent.countDown();
            assertEquals("event: done", lines.readLine());
            assertEquals("data: {\"slot\":\"A\",\"text\":\"Hello\"}", lines.readLine());
            assertEquals("", lines.readLine());
            assertEquals(null, lines.readLine(), "stream ends when the upstream ends it");
        }
    }

    @Test
    void closingTheBrowserStreamClosesTheUpstreamStream() throws Exception {
        GatewayUpstream.upstreamSawDisconnect = new CountDownLatch(1);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(("GET /api/comparisons/endless/events HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader lines = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.equals("event: tick"));
            assertEquals("event: tick", line);
        }
        assertTrue(GatewayUpstream.upstreamSawDisconnect.await(10, TimeUnit.SECONDS),
                "the upstream kept streaming to nobody");
    }

    @Test
    void statusReportsReachabilityAndTheBrokerHealthCheck() throws Exception {
        HttpResponse<String> res = TestHttp.send(HttpRequest.newBuilder(base.resolve("/api/status")));
        assertEquals(200, res.statusCode());
        String body = res.body();
        assertTrue(body.contains("{\"name\":\"inference-service\""), body);
        assertTrue(body.contains("\"reachable\":true,\"status\":\"DOWN\",\"checks\":[{\"name\":\"Kafka connection health check\",\"status\":\"DOWN\"}]"), body);
        assertTrue(body.matches(".*\"name\":\"feedback-service\",\"url\":\"http://127.0.0.1:\\d+\",\"reachable\":false,\"status\":\"DOWN\".*"), body);
    }

    @Test
    void servesTheAppAndTheChartLibrary() throws Exception {
        HttpResponse<String> index = TestHttp.send(HttpRequest.newBuilder(base));
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("<title>rlhf-loop</title>"));
        HttpResponse<String> uplot = TestHttp.send(HttpRequest.newBuilder(base.resolve("/webjars/uplot/dist/uPlot.iife.min.js")));
        assertEquals(200, uplot.statusCode());
        assertTrue(uplot.body().contains("uPlot"));
    }
}
