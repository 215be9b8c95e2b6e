package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.ComparisonIds;
import dev.rlhfloop.contracts.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two inference and two feedback instances behind the gateway, on free ports with a real broker and
 * a tiny bootstrap: new comparisons and votes are shared between the instances; a feedback instance
 * killed in the middle of voting loses and doubles no acknowledged vote; an inference instance
 * killed in the middle of an answer stream ends that stream with an error event, and a new
 * comparison is served by the other instance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutIT {
    private static final String INFERENCE = "inference-service";
    private static final String FEEDBACK = "feedback-service";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1, as a browser's EventSource speaks to the gateway. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static WholeStack stack;

    @BeforeAll
    static void start() throws Exception {
        Map<String, List<String>> options = Map.of(
                // Just enough of a model to answer; no version after the bootstrap (votes only, no training).
                "trainer-service", List.of("-Drlhf.trainer.bootstrap.size=nano", "-Drlhf.trainer.bootstrap.pretrain-steps=20",
                        "-Drlhf.trainer.bootstrap.sft-steps=10", "-Drlhf.trainer.pairs-per-version=100000"),
                // One answer decoded at a time: a few comparisons queue behind each other, so a stream is open when its instance dies.
                INFERENCE, List.of("-Drlhf.inference.sampling.max-new-tokens=96", "-Drlhf.inference.max-batch=1"));
        stack = new WholeStack(SharedStack.HOME, SharedStack.WORK.resolveSibling("scale-out"), options)
                .instances(INFERENCE, 2).instances(FEEDBACK, 2).start();
        stack.awaitGatewaySeesEveryService();
        token = session();
    }

    /** The rater session every comparison and vote of this class goes under (the vote's rater is the session's). */
    private static String token;

    private static String session() throws Exception {
        HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(gateway("/api/session")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, opened.statusCode(), opened.body());
        return JSON.readTree(opened.body()).path("token").asText();
    }

    @AfterAll
    static void stop() {
        if (stack != null) stack.close();
    }

    @Test
    @Order(1)
    void votesFlowThroughBothFeedbackInstancesAndNoAcknowledgedVoteIsLostOrDoubledWhenOneIsKilled() throws Exception {
        List<String> comparisons = new ArrayList<>();
        for (int i = 0; i < 24; i++) comparisons.add(createComparison());
        assertEquals(Set.of(INFERENCE, INFERENCE + "-2"), comparisons.stream()
                .map(id -> ComparisonIds.owner(id).orElseThrow()).collect(Collectors.toSet()), "new comparisons go to both instances");
        for (String id : comparisons) awaitAnswered(id);

        Map<String, String> acknowledged = new TreeMap<>();   // voteId → comparison
        Map<Integer, Integer> statuses = new TreeMap<>();
        Iterator<String> next = comparisons.iterator();
        for (int i = 0; i < 8; i++) vote(next.next(), acknowledged, statuses);
        stack.kill(FEEDBACK + "-2");
        // The rest in the minute after the kill: refused connections move to the other instance at
        // once; until its Streams instance has taken over the partitions, a vote may get a 503.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String> left = new ArrayList<>();
        next.forEachRemaining(left::add);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left.removeIf(id -> vote(id, acknowledged, statuses));
            if (!left.isEmpty()) Thread.sleep(1000);
        }
        WholeStack.log("votes: %d acknowledged (202) of %d comparisons; answers %s", acknowledged.size(), comparisons.size(), statuses);
        assertTrue(left.isEmpty(), "votes still refused a minute after the kill: " + left + " " + statuses);

        Map<String, Long> onTopic = votesOnTopic(acknowledged.keySet());
        for (String voteId : acknowledged.keySet()) {
            assertEquals(1L, onTopic.getOrDefault(voteId, 0L), "vote " + voteId + " on " + Topics.VOTES);
        }
        onTopic.forEach((voteId, n) -> assertEquals(1L, n, "vote " + voteId + " is on " + Topics.VOTES + " " + n + " times"));
    }

    @Test
    @Order(2)
    void anInferenceInstanceKilledMidStreamEndsItWithAnErrorAndANewComparisonWorksOnTheOther() throws Exception {
        // Queue comparisons with long prompts on the instance to kill, so the last one's stream is open
        // and waiting (the tiny model's answers are often empty: the prompts are most of the work).
        String victim = INFERENCE + "-2";
        List<String> onVictim = new ArrayList<>();
        while (onVictim.size() < 16) {
            String id = createComparison(LONG_PROMPT);
            if (ComparisonIds.owner(id).orElseThrow().equals(victim)) onVictim.add(id);
        }
        String doomed = onVictim.get(onVictim.size() - 1);
        HttpResponse<Stream<String>> events = HTTP.send(HttpRequest.newBuilder(gateway("/api/comparisons/" + doomed + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, events.statusCode());
        Iterator<String> lines = events.body().iterator();
        String first = lines.next();
        assertTrue(first.startsWith(":"), "the stream opens with a comment: " + first);
        stack.kill(victim);
        List<String> rest = new ArrayList<>();
        lines.forEachRemaining(rest::add);
        int error = rest.indexOf("event: error");   // the gateway's own event
        assertTrue(error >= 0, "no error event after the kill: " + rest);
        JsonNode data = JSON.readTree(rest.get(error + 1).substring("data: ".length()));
        assertEquals("stream_cut", data.path("error").asText(), data.toString());
        assertTrue(data.path("reason").asText().contains("start a new comparison"), data.toString());

        HttpResponse<String> gone = get("/api/comparisons/" + doomed);
        assertEquals(503, gone.statusCode(), gone.body());
        assertEquals("comparison_gone", JSON.readTree(gone.body()).path("error").asText(), gone.body());

        // Regenerate: a new comparison with the same prompt is served, streamed and finished by the live instance.
        String fresh = createComparison();
        assertEquals(INFERENCE, ComparisonIds.owner(fresh).orElseThrow());
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> streamed = HTTP.send(HttpRequest.newBuilder(gateway("/api/comparisons/" + fresh + "/events"))
                .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
        List<String> seen = streamed.body().map(line -> String.format("%.1fs %s", (System.nanoTime() - t0) / 1e9, line)).toList();
        assertEquals(2, seen.stream().filter(line -> line.matches(".* event: ?done")).count(), String.join("\n", seen));
    }

    /** A prompt long enough that its prefill, not the (often empty) answer, keeps the generation thread busy. */
    private static final String LONG_PROMPT = "Write one short sentence about each of these farm animals, in this order: "
            + "the cow, the sheep, the horse, the pig, the duck, the goose, the hen, the goat and the donkey.";

    private static String createComparison() throws Exception {
        return createComparison("Name a colour.");
    }

    private static String createComparison(String prompt) throws Exception {
        // The bootstrap takes ~30 s on two idle cores; minutes on a machine shared with other builds.
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(gateway("/api/comparisons"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("prompt", prompt)))).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() == 201) return JSON.readTree(res.body()).path("id").asText();
            // no_model: both instances wait for the trainer's bootstrap to be announced
            if (res.statusCode() != 503 || System.nanoTime() > deadline) throw new AssertionError(res.statusCode() + " " + res.body());
            Thread.sleep(1000);
        }
    }

    /** Waits until both answers are finished, read through the gateway from the owning instance. */
    private static void awaitAnswered(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> res = get("/api/comparisons/" + id);
            assertEquals(200, res.statusCode(), res.body());
            JsonNode answers = JSON.readTree(res.body()).path("answers");
            if (answers.size() == 2 && answers.get(0).path("done").asBoolean() && answers.get(1).path("done").asBoolean()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("comparison " + id + " did not finish in a minute");
    }

    /** One vote; true when it was acknowledged (its voteId is then recorded). */
    private static boolean vote(String comparison, Map<String, String> acknowledged, Map<Integer, Integer> statuses) {
        try {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(gateway("/api/votes"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            Map.of("comparisonId", comparison, "choice", "A")))).build(), HttpResponse.BodyHandlers.ofString());
            statuses.merge(res.statusCode(), 1, Integer::sum);
            if (res.statusCode() != 202) return false;
            JsonNode body = JSON.readTree(res.body());
            acknowledged.put(body.path("voteId").asText(), comparison);
            return true;
        } catch (IOException e) {
            statuses.merge(0, 1, Integer::sum);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** voteId → how often it is on the votes topic, once every acknowledged one is there (or after 30 s). */
    private static Map<String, Long> votesOnTopic(Set<String> expected) throws IOException {
        Map<String, Long> counts = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = GenerationLog.fromBeginning(stack.bootstrapServers(), Topics.VOTES)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!counts.keySet().containsAll(expected) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null) counts.merge(JSON.readTree(r.value()).path("voteId").asText(), 1L, Long::sum);
                }
            }
            // a little longer: a doubled vote would arrive after its first copy
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(2))) {
                if (r.value() != null) counts.merge(JSON.readTree(r.value()).path("voteId").asText(), 1L, Long::sum);
            }
        }
        return counts;
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(gateway(path)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI gateway(String path) {
        return URI.create(stack.url() + path);
    }
}
