package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code llm rate} against a small HTTP server that speaks the public API's documented forms
 * (docs/web-api.md): the real services are exercised by e2e-tests' LoopIT; here the rater's own
 * logic — waiting for answers, judging by the rule, voting, revealing versions, its errors.
 */
class RateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private HttpServer server;
    private final List<JsonNode> votes = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    private final AtomicInteger comparisons = new AtomicInteger();
    private final AtomicInteger sessions = new AtomicInteger();
    private volatile int voteStatus = 202;
    private volatile boolean noModelFirst;

    /** Every comparison asks about a fox; A (version 1) mentions it, B (version 2) does not. */
    private String startApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/comparisons", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (exchange.getRequestMethod().equals("POST")) {
                if (noModelFirst) {
                    noModelFirst = false;
                    reply(exchange, 503, "{\"error\":\"no_model\",\"reason\":\"bootstrapping: pretraining step 10/100\"}");
                    return;
                }
                String id = "cmp-" + comparisons.incrementAndGet();
                reply(exchange, 201, "{\"id\":\"" + id + "\",\"prompt\":\"Tell me about a fox.\",\"answers\":["
                        + "{\"slot\":\"A\",\"generationId\":\"g1\"},{\"slot\":\"B\",\"generationId\":\"g2\"}]}");
                return;
            }
            String id = path.substring("/api/comparisons/".length());
            int poll = polls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            boolean done = poll > 1;                       // the first poll sees the answers still streaming
            boolean voted = votes.stream().anyMatch(v -> v.path("comparisonId").asText().equals(id));
            String a = done ? "A fox lives in the woods and eats mice." : "A fox";
            String b = done ? "It is big and it can run fast." : "It";
            reply(exchange, 200, "{\"id\":\"" + id + "\",\"prompt\":\"Tell me about a fox.\",\"answers\":["
                    + "{\"slot\":\"A\",\"generationId\":\"g1\",\"text\":\"" + a + "\",\"done\":" + done
                    + (voted ? ",\"modelVersion\":\"1\"" : "") + "},"
                    + "{\"slot\":\"B\",\"generationId\":\"g2\",\"text\":\"" + b + "\",\"done\":" + done
                    + (voted ? ",\"modelVersion\":\"2\"" : "") + "}]}");
        });
        // As feedback-service in local mode: each POST opens a session of its own rater.
        server.createContext("/api/session", exchange -> {
            int n = sessions.incrementAndGet();
            reply(exchange, 201, "{\"raterId\":\"r-" + n + "\",\"token\":\"token-" + n + "\",\"admin\":false,\"mode\":\"local\"}");
        });
        server.createContext("/api/votes", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization == null || !authorization.startsWith("Bearer token-")) {
                reply(exchange, 401, "{\"error\":\"unauthorized\",\"reason\":\"no rater session\"}");
                return;
            }
            JsonNode vote = ((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(exchange.getRequestBody()))
                    .put("session", authorization.substring("Bearer ".length()));
            if (voteStatus != 202) {
                reply(exchange, voteStatus, "{\"error\":\"bad_request\",\"reason\":\"unknown comparison " + vote.path("comparisonId").asText() + "\"}");
                return;
            }
            votes.add(vote);
            reply(exchange, 202, "{\"voteId\":\"v\",\"duplicate\":false}");
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    @Test
    void votesForTheAnswerThatNamesTheAnimalAndTalliesTheShareByRevealedVersion() throws IOException {
        String url = startApi();
        CliRun run = CliRun.run("", "rate", "--url", url, "--votes", "3", "--raters", "2");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(3, votes.size());
        for (JsonNode vote : votes) {
            assertEquals("A", vote.path("choice").asText(), vote.toString());
            assertFalse(vote.has("rater"), "the rater is the session's, never a field: " + vote);
        }
        // two simulated raters, each with its own session, taking turns
        assertEquals(List.of("token-1", "token-2", "token-1"), votes.stream().map(v -> v.path("session").asText()).toList());
        assertTrue(run.out().contains("by r-1") && run.out().contains("by r-2"), run.out());
        assertEquals(3, votes.stream().map(v -> v.path("comparisonId").asText()).distinct().count());
        assertTrue(run.out().contains("v1 100% (3/3) · v2 0% (0/3)"), run.out());
        assertTrue(run.out().contains("A=v1 ✓  B=v2 ✗"), run.out());
    }

    @Test
    void theShorterRulePrefersFewerWords() throws IOException {
        String url = startApi();
        CliRun run = CliRun.run("", "rate", "--url", url, "--votes", "1", "--rule", "shorter", "--max-words", "8");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals("B", votes.get(0).path("choice").asText());     // 8 words against 9
        assertTrue(run.out().contains("v1 0% (0/1) · v2 100% (1/1)"), run.out());
    }

    @Test
    void waitsWhileThereIsNoModelYet() throws IOException {
        noModelFirst = true;
        String url = startApi();
        CliRun run = CliRun.run("", "rate", "--url", url, "--votes", "1");

        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("waiting for a model: HTTP 503: bootstrapping"), run.out());
        assertEquals(1, votes.size());
    }

    @Test
    void aRefusedVoteStopsWithTheServicesReason() throws IOException {
        voteStatus = 400;
        String url = startApi();
        CliRun run = CliRun.run("", "rate", "--url", url, "--votes", "2");

        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("was refused: HTTP 400: unknown comparison cmp-1"), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void aStackThatIsDownGivesOneClearLine() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = CliRun.run("", "rate", "--url", "http://127.0.0.1:" + port, "--votes", "1");

        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("nothing answers at http://127.0.0.1:" + port), run.err());
        assertTrue(run.err().contains("./rlhf-loop up"), run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    }

    @Test
    void badOptionsAreNamed() {
        CliRun rule = CliRun.run("", "rate", "--rule", "longer");
        assertEquals(2, rule.exitCode());
        assertTrue(rule.err().contains("--rule must be one of animal, shorter, colour, number, was 'longer'"), rule.err());

        CliRun count = CliRun.run("", "rate", "--votes", "0");
        assertEquals(2, count.exitCode());
        assertTrue(count.err().contains("--votes must be positive"), count.err());
    }
}
