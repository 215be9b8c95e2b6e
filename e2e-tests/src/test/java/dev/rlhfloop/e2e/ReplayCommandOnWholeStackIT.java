package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.cli.Llm;
import dev.rlhfloop.cli.RateCommand;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.service.testing.PublicApi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code llm replay} against the real trainer of the shared stack (after LoopIT and the browser
 * flow, or alone: then it first casts a few decisive votes itself): a replay of the whole log into a
 * new line, followed to its versions, which appear in /api/models under that line and rebuild every
 * live version bit for bit; the trainer's
 * refusals come back as one line with its reason. Also: the gateway's document, merged from the
 * services' generated ones, documents every routed path with its service and nothing internal, and
 * the stack's real answers through the gateway fit it; {@code llm export} writes one TRL line per pair on the topic.
 */
@DisabledIfSystemProperty(named = "rlhf.e2e.loop", matches = "false")
@ExtendWith(SharedStack.class)
@Order(Order.DEFAULT + 3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayCommandOnWholeStackIT {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final String LINE = "cli-replay";
    private static String url;

    private record Run(int exitCode, String out, String err) {}

    private static Run llm(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Llm());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        System.out.print(out);
        System.out.print(err);
        return new Run(code, out.toString(), err.toString());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    @BeforeAll
    static void aStackWithDecisiveVotes() throws Exception {
        url = SharedStack.stack().url();
        JsonNode stats = json("/api/stats");
        long decisive = stats.path("totals").path("decisiveVotes").asLong();
        if (decisive >= 4) return;
        // Alone on a fresh stack: a rater who prefers the shorter answer decides nearly every vote.
        RateCommand.Session rater = new RateCommand.Session(URI.create(url), RateCommand.Rule.parse("shorter", 12),
                Duration.ofMinutes(10));
        for (int i = 0; i < 40 && decisive < 4; i++) {
            String choice = rater.rateOne(System.out::println).choice();
            if (choice.equals("A") || choice.equals("B")) decisive++;
        }
    }

    @Test
    @Order(1)
    void replaysTheLogIntoANewLineAndFollowsItToItsVersions() throws Exception {
        awaitNoReplayRunning();
        String latestLive = awaitTheLiveLineSettled();
        long pairs = json("/api/stats").path("totals").path("decisiveVotes").asLong();
        Run run = llm("replay", "--url", url, "--token", SharedStack.stack().adminToken(), "--from-beginning", "--line", LINE, "--wait", "600");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().matches("(?s)replay r\\d+ into line " + LINE + " started at .* \\(every pair, DPO\\).*"), run.out());
        Matcher done = Pattern.compile("done: line " + LINE + " has (\\d+) version\\(s\\): (.*)").matcher(run.out());
        assertTrue(done.find(), "a replay of " + pairs + " pairs publishes versions: " + run.out());
        List<String> printed = List.of(done.group(2).strip().split(", "));
        assertEquals(Integer.parseInt(done.group(1)), printed.size());

        List<String> registered = new ArrayList<>();
        for (JsonNode model : json("/api/models")) {
            if (model.path("line").asText().equals(LINE)) registered.add(label(model.path("version").asText()));
        }
        assertEquals(printed, registered, "the versions the verb printed are the line's versions in /api/models");
        // The same machine made the live line: every live version is rebuilt bit for bit, whatever partitions its pairs were on.
        int last = Integer.parseInt(latestLive);
        String rebuilt = last == 2 ? "v2" : last == 3 ? "v2, v3" : "v2 … v" + last;
        assertTrue(run.out().contains("\n" + rebuilt + ": identical to live"), rebuilt + " expected in:\n" + run.out());
        assertFalse(run.out().contains("differ from live") || run.out().contains("not comparable"), run.out());
    }

    @Test
    @Order(2)
    void theTrainersRefusalsComeBackAsOneLineWithItsReason() {
        Run again = llm("replay", "--url", url, "--token", SharedStack.stack().adminToken(), "--offsets", "0-2", "--line", LINE, "--no-wait");
        assertEquals(1, again.exitCode());
        assertTrue(again.err().contains("llm replay: POST /api/replays was refused: HTTP 400: model line '" + LINE + "' already exists"),
                again.err());
        assertFalse(again.err().contains("Exception"), again.err());
    }

    @Test
    @Order(3)
    void theStacksAnswersFitTheMergedOpenApiDocument() throws Exception {
        PublicApi openApi = PublicApi.fetch(URI.create(url + "/api/openapi.yaml"));
        java.util.TreeSet<String> operations = new java.util.TreeSet<>();
        openApi.operations().forEach(op -> operations.add(op + " " + op.service()));
        assertEquals(new java.util.TreeSet<>(List.of(
                "GET /api/comparisons/{id} inference-service", "GET /api/comparisons/{id}/events inference-service",
                "POST /api/comparisons inference-service", "POST /api/comparisons/{id}/turns inference-service",
                "GET /api/chat/versions inference-service", "POST /api/chat inference-service",
                "POST /api/votes feedback-service", "POST /api/thumbs/{comparisonId}/{slot} feedback-service",
                "GET /api/stats feedback-service", "GET /api/stats/events feedback-service",
                "GET /api/export/{what}.jsonl feedback-service",
                "POST /api/session feedback-service", "GET /api/session feedback-service", "DELETE /api/session feedback-service",
                "GET /api/raters feedback-service", "POST /api/raters feedback-service", "DELETE /api/raters/{raterId} feedback-service",
                "POST /api/raters/{raterId}/forget feedback-service", "POST /api/import/pairs feedback-service",
                "GET /api/models trainer-service", "GET /api/models/{version}/weights trainer-service",
                "GET /api/models/{version}/reward-model trainer-service",
                "GET /api/replays trainer-service", "POST /api/replays trainer-service",
                "GET /api/training trainer-service", "GET /api/training/events trainer-service",
                "GET /api/lines/{line}/control trainer-service", "PUT /api/lines/{line}/control trainer-service",
                "POST /api/lines/{line}/serve trainer-service", "DELETE /api/lines/{line}/serve trainer-service",
                "GET /api/status web", "GET /api/openapi.yaml web", "GET /api/launcher web")), operations);
        List<String> problems = new ArrayList<>();
        for (String path : List.of("/api/models", "/api/training", "/api/replays", "/api/stats", "/api/status", "/api/comparisons/unknown-id")) {
            HttpResponse<String> r = get(path);
            problems.addAll(openApi.problems("GET", path, r.statusCode(), r.body()));
        }
        String version = json("/api/models").path(0).path("version").asText();
        HttpResponse<String> missing = get("/api/models/no-such-version/weights", admin());
        problems.addAll(openApi.problems("GET", "/api/models/no-such-version/weights", missing.statusCode(), missing.body()));
        assertEquals(200, get("/api/models/" + version + "/weights", admin()).statusCode());
        assertEquals(List.of(), problems);
    }

    /**
     * The access rules through the public URL, on the real services: no session, no vote (401); a
     * rater's session on admin actions (403); and the inference services still load the versions the
     * trainer announces (they fetch weights with their own credential), so the loop above ran.
     */
    @Test
    @Order(4)
    void votesNeedASessionAndAdminActionsNeedTheAdmin() throws Exception {
        HttpResponse<String> noSession = post("/api/votes", "{\"comparisonId\": \"x\", \"choice\": \"A\", \"rater\": \"mallory\"}", null);
        assertEquals(401, noSession.statusCode(), noSession.body());
        HttpResponse<String> opened = post("/api/session", "", null);
        assertEquals(201, opened.statusCode(), opened.body());
        String rater = "Bearer " + Json.MAPPER.readTree(opened.body()).path("token").asText();
        String version = json("/api/models").path(0).path("version").asText();
        for (HttpResponse<String> refused : List.of(
                post("/api/replays", "{\"from\": \"BEGINNING\"}", rater),
                get("/api/models/" + version + "/weights", rater),
                get("/api/raters", rater))) {
            assertEquals(403, refused.statusCode(), refused.uri() + ": " + refused.body());
        }
        assertEquals(401, get("/api/models/" + version + "/weights").statusCode());
        assertEquals(200, get("/api/raters", admin()).statusCode());
    }

    private static String admin() {
        return "Bearer " + SharedStack.stack().adminToken();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String json, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) request.header("Authorization", authorization);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until the live line has cut a version from the votes so far: its latest version stays the
     * same for longer than the stack's max-wait (10 s), so no pair is left waiting. Returns that version.
     */
    private static String awaitTheLiveLineSettled() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String latest = null;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            String now = null;
            for (JsonNode model : json("/api/models")) {
                if (model.path("line").asText().equals("live")) now = model.path("version").asText();
            }
            if (now == null || !now.equals(latest)) {
                latest = now;
                since = System.nanoTime();
            } else if (!latest.equals("1") && System.nanoTime() - since > Duration.ofSeconds(25).toNanos()) {
                return latest;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the live line did not settle on a trained version within 5 minutes (latest: " + latest + ")");
    }

    private static void awaitNoReplayRunning() throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            boolean running = false;
            for (JsonNode replay : json("/api/replays")) running |= replay.path("state").asText().equals("RUNNING");
            if (!running) return;
            Thread.sleep(1000);
        }
        throw new AssertionError("a replay is still running after 5 minutes");
    }

    /** Versions print as v3 when numeric, verbatim otherwise (as the verbs print them). */
    private static String label(String version) {
        return version.matches("\\d+") ? "v" + version : version;
    }
    @Test
    @Order(4)
    void exportWritesOneTrlLinePerPairOnTheTopic(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        long decisive = json("/api/stats").path("totals").path("decisiveVotes").asLong();
        List<dev.rlhfloop.contracts.PreferencePair> onTopic = dev.rlhfloop.kafka.testing.KafkaTestClient.readUntil(
                SharedStack.stack().bootstrapServers(), dev.rlhfloop.contracts.Topics.PREFERENCE_PAIRS,
                dev.rlhfloop.contracts.PreferencePair.class, p -> p.size() >= decisive, Duration.ofSeconds(60), Duration.ofSeconds(2));
        java.nio.file.Path trl = dir.resolve("pairs-trl.jsonl");
        Run run = llm("export", "--url", url, "--token", SharedStack.stack().adminToken(), "--what", "pairs", "--format", "trl",
                "--out", trl.toString());
        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = java.nio.file.Files.readAllLines(trl);
        assertEquals(onTopic.size(), lines.size(), "one line per pair on rlhf.preference-pairs");
        assertEquals(decisive, lines.size(), "one pair per decisive vote");
        java.util.Set<String> exported = new java.util.HashSet<>();
        for (String line : lines) {
            JsonNode pair = Json.MAPPER.readTree(line);
            assertTrue(pair.hasNonNull("prompt") && pair.hasNonNull("chosen") && pair.hasNonNull("rejected"), line);
            exported.add(pair.get("prompt").asText() + "\u0000" + pair.get("chosen").asText() + "\u0000" + pair.get("rejected").asText());
        }
        for (dev.rlhfloop.contracts.PreferencePair pair : onTopic) {
            String key = pair.prompt() + "\u0000" + pair.chosen().text() + "\u0000" + pair.rejected().text();
            assertTrue(exported.contains(key), "the pair of vote " + pair.vote().voteId() + " is exported");
        }
        // what the export wrote is what `llm dpo` reads: a few of the pairs, one epoch, on the stack's SFT model
        java.nio.file.Path sft = SharedStack.WORK.resolve("run/trainer-service/lines/live/1/model");
        Run dpo = llm("dpo", "--model", sft.toString(), "--data", trl.toString(), "--out", dir.resolve("dpo").toString(),
                "--max-pairs", "8", "--epochs", "1", "--batch-size", "4", "--hold-out-every", "4");
        assertEquals(0, dpo.exitCode(), dpo.err());
        assertTrue(dpo.out().contains("saved the model in " + dir.resolve("dpo")), dpo.out());
        Run refused = llm("export", "--url", url, "--token", SharedStack.stack().adminToken(), "--what", "votes", "--format", "trl",
                "--out", dir.resolve("x").toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("llm export: --format trl is for --what pairs or thumbs only"), refused.err());
    }
}
