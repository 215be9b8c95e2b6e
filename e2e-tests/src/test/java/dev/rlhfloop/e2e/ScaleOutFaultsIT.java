package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.ComparisonIds;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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
 * Issue #13's scale-out and faults on one stack, started once: a real broker kept by the launcher's
 * supervisor, two inference and two feedback instances behind the gateway, and two trainers of the
 * live line on one data directory (one trains, the other is its hot standby), on free ports with the
 * product's topics (three partitions) and settings, apart from a tiny bootstrap, one answer decoded at
 * a time per inference instance, versions of four pairs and a 6 s trainer lease. The faults run in an
 * order that leaves what the next one needs: a feedback instance killed while votes are cast, an
 * inference instance killed mid-stream, the training trainer killed (the standby continues the line
 * bit for bit), and last the broker killed under voting (the supervisor brings it back; voting resumes
 * by itself). Votes are ties where the test casts them: a tie makes no preference pair, so the only
 * pairs the trainers see are the failover's own, counted exactly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScaleOutFaultsIT {
    private static final String INFERENCE = "inference-service";
    private static final String FEEDBACK = "feedback-service";
    private static final String TRAINER = "trainer-service";
    private static final int PAIRS_PER_VERSION = 4;
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1, as a browser's EventSource speaks to the gateway. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static WholeStack stack;
    /** The rater session the comparisons and the first scenario's votes go under (the vote's rater is the session's). */
    private static String token;
    /** Comparisons with both answers finished (the first scenario's), for the broker scenario's voters. */
    private static final List<String> answered = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Map<String, List<String>> options = Map.of(
                // Just enough of a model to answer; versions of four pairs, none waiting longer for company;
                // a lease that a dead holder loses in 6 s (the product's 10 s, shortened for the test).
                TRAINER, List.of("-Drlhf.trainer.bootstrap.size=nano", "-Drlhf.trainer.bootstrap.pretrain-steps=20",
                        "-Drlhf.trainer.bootstrap.sft-steps=10", "-Drlhf.trainer.bootstrap.sft-learning-rate=1e-3", "-Drlhf.trainer.pairs-per-version=" + PAIRS_PER_VERSION,
                        "-Drlhf.trainer.max-wait=10m", "-Drlhf.trainer.dpo.batch-size=4", "-Drlhf.trainer.lease-timeout=6s"),
                // One answer decoded at a time: a few comparisons queue behind each other, so a stream is open when its instance dies.
                INFERENCE, List.of("-Drlhf.inference.sampling.max-new-tokens=96", "-Drlhf.inference.max-batch=1"));
        stack = new WholeStack(SharedStack.HOME, SharedStack.WORK.resolveSibling("scale-out"), options)
                .superviseBroker().instances(INFERENCE, 2).instances(FEEDBACK, 2).instances(TRAINER, 2).start();
        stack.awaitGatewaySeesEveryService();
        token = session();
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
        answered.addAll(comparisons);

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
        // They are asked of that instance directly, so the one that lives has no queue to work off.
        String victim = INFERENCE + "-2";
        List<String> onVictim = new ArrayList<>();
        while (onVictim.size() < 16) onVictim.add(createComparison(stack.url(victim, "/api/comparisons"), LONG_PROMPT));
        assertEquals(victim, ComparisonIds.owner(onVictim.get(0)).orElseThrow());
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

    /**
     * The trainer that holds the line trains version 2, is SIGKILLed as the pairs of 3 arrive (so it
     * may die mid-update); the standby takes over from the shared checkpoint, publishes 3 and 4, and a
     * replay of the whole log on it rebuilds every live version with the same bytes: the line went on
     * as if nothing had happened.
     */
    @Test
    @Order(3)
    void theStandbyTakesOverTheLineFromTheSharedCheckpointAndContinuesItBitForBit() throws Exception {
        String servers = stack.bootstrapServers();
        awaitVersion("1");
        String[] roles = trainerRoles();
        String holder = roles[0];
        String standby = roles[1];
        WholeStack.log("%s holds the line, %s is its standby", holder, standby);

        sendPairs(0, PAIRS_PER_VERSION);
        awaitVersion("2");
        sendPairs(PAIRS_PER_VERSION, PAIRS_PER_VERSION); // version 3's pairs: the holder may be training them
        stack.kill(holder);

        awaitVersion("3");
        sendPairs(2 * PAIRS_PER_VERSION, PAIRS_PER_VERSION);
        ModelVersion v4 = awaitVersion("4");
        assertEquals((long) 3 * PAIRS_PER_VERSION, v4.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"),
                "version 4 ends where the twelve pairs end: none lost, none trained twice");
        assertEquals(3 * PAIRS_PER_VERSION, v4.trainedOn().votes());

        // The replay machinery's verdict: the same pairs, seed and settings from the beginning give the same bytes.
        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(stack.url(standby, "/api/replays"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + stack.adminToken())
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString("{\"from\": \"BEGINNING\", \"line\": \"again\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, replay.statusCode(), replay.body());
        KafkaTestClient.await("the replay done", WAIT, () -> trainer(standby, "/api/replays").contains("\"state\":\"DONE\""));
        Map<String, String> shaById = KafkaTestClient.readUntil(servers, Topics.MODEL_VERSIONS, ModelVersion.class,
                        v -> v.stream().anyMatch(x -> x.versionId().equals("again-4")), WAIT).stream()
                .collect(Collectors.toMap(ModelVersion::versionId, v -> v.weights().sha256(), (a, b) -> {
                    assertEquals(a, b, "a version announced twice with different weights");
                    return a;
                }));
        for (int n = 2; n <= 4; n++) {
            assertEquals(shaById.get(Integer.toString(n)), shaById.get("again-" + n), "version " + n + " equals its uninterrupted replay");
        }
        assertEquals("IDLE", trainingState(standby));
    }

    /**
     * Four voters (a rater session each) vote through the gateway while the broker is SIGKILLed; the
     * supervisor starts it again, voting resumes by itself, every vote answered 202 is on the topic
     * once, and every refusal meanwhile was a 503 with Retry-After (never a 500, never a hang).
     */
    @Test
    @Order(4)
    void aKilledBrokerComesBackUnderTheSupervisorAndNoAcknowledgedVoteIsLost() throws Exception {
        List<String> comparisons = new ArrayList<>(answered);
        while (comparisons.size() < 4) {   // this scenario run on its own
            comparisons.add(createComparison());
            awaitAnswered(comparisons.get(comparisons.size() - 1));
        }
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        Voting voting = new Voting(comparisons, accepted, statuses, problems);
        List<Thread> voters = new ArrayList<>();
        for (int v = 0; v < 4; v++) {
            Thread t = new Thread(voting::vote, "voter-" + v);
            t.start();
            voters.add(t);
        }
        KafkaTestClient.await("votes accepted before the kill", WAIT, () -> accepted.size() >= 40);
        stack.killBroker();
        int beforeRestart = accepted.size();
        KafkaTestClient.await("the supervisor to restart the broker", WAIT,
                () -> stack.launcherLog().stream().anyMatch(l -> l.contains("kafka restarted")));
        KafkaTestClient.await("voting to resume by itself", WAIT, () -> accepted.size() >= beforeRestart + 40);
        voting.on = false;
        for (Thread t : voters) t.join(60_000);

        assertEquals(List.of(), problems, "every answer is a 202 or a 503 with Retry-After");
        // 201: a voter's new session
        assertTrue(statuses.keySet().stream().allMatch(s -> s == 201 || s == 202 || s == 503), "statuses: " + statuses);
        Map<String, Long> onTopic = KafkaTestClient.readUntil(stack.bootstrapServers(), Topics.VOTES, VoteEvent.class,
                        votes -> votes.stream().map(VoteEvent::voteId).collect(Collectors.toSet()).containsAll(accepted), WAIT)
                .stream().collect(Collectors.groupingBy(VoteEvent::voteId, Collectors.counting()));
        assertTrue(onTopic.keySet().containsAll(accepted), "an acknowledged vote is missing from the topic");
        assertTrue(accepted.stream().allMatch(id -> onTopic.get(id) == 1), "an acknowledged vote is on the topic twice");
        // what the status badge reads: the launcher's file, served by the web app
        String launcher = get("/api/launcher").body();
        assertTrue(launcher.contains("\"name\":\"kafka\"") && launcher.contains("\"state\":\"RUNNING\"")
                && launcher.contains("\"restarts\":1"), launcher);
        WholeStack.log("votes: %d accepted (%d before the kill), statuses %s; launcher: %s", accepted.size(), beforeRestart,
                statuses, stack.launcherLog());
    }

    /** The broker scenario's voters: each casts tie votes on the comparisons in turn, and opens a new session when it has voted on all. */
    private static final class Voting {
        final List<String> comparisons;
        final Set<String> accepted;
        final Map<Integer, AtomicInteger> statuses;
        final List<String> problems;
        volatile boolean on = true;

        Voting(List<String> comparisons, Set<String> accepted, Map<Integer, AtomicInteger> statuses, List<String> problems) {
            this.comparisons = comparisons;
            this.accepted = accepted;
            this.statuses = statuses;
            this.problems = problems;
        }

        /** A refused vote is not repeated (the counts stay exact): the voter goes on to its next comparison. */
        void vote() {
            String rater = null;
            int n = 0;
            while (on) {
                try {
                    if (rater == null || n == comparisons.size()) {
                        rater = opened(send(HttpRequest.newBuilder(gateway("/api/session")).POST(HttpRequest.BodyPublishers.noBody())));
                        n = 0;
                        continue;
                    }
                    HttpResponse<String> answer = send(HttpRequest.newBuilder(gateway("/api/votes"))
                            .header("Content-Type", "application/json").header("Authorization", "Bearer " + rater)
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                                    Map.of("comparisonId", comparisons.get(n++), "choice", "TIE")))));
                    if (answer.statusCode() == 202) {
                        JsonNode body = JSON.readTree(answer.body());
                        if (body.path("duplicate").asBoolean()) problems.add("a new rater's vote was a duplicate: " + answer.body());
                        accepted.add(body.path("voteId").asText());
                    } else {
                        refused(answer);
                    }
                } catch (IOException e) {
                    problems.add("no answer: " + e); // a hang past 30 s or a refused connection
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
            HttpResponse<String> answer = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
            return answer;
        }

        /** The new session's token, or null when it was refused (with a 503 and Retry-After while the broker is away). */
        private String opened(HttpResponse<String> answer) throws IOException, InterruptedException {
            if (answer.statusCode() == 201) return JSON.readTree(answer.body()).path("token").asText();
            refused(answer);
            return null;
        }

        private void refused(HttpResponse<String> answer) throws InterruptedException {
            if (answer.statusCode() != 503) {
                problems.add(answer.statusCode() + ": " + answer.body());
            } else if (answer.headers().firstValue("Retry-After").isEmpty()) {
                problems.add("503 without Retry-After: " + answer.body());
            }
            Thread.sleep(200);
        }
    }

    /** {holder, standby}: the trainer that trains the line and the one that reports STANDBY, once each has said so. */
    private static String[] trainerRoles() {
        List<String> trainers = stack.instancesOf(TRAINER);
        String[] roles = new String[2];
        KafkaTestClient.await("one trainer holding the line and the other standing by", WAIT, () -> {
            List<String> states = trainers.stream().map(ScaleOutFaultsIT::trainingState).toList();
            int standby = states.indexOf("STANDBY");
            if (standby < 0 || states.lastIndexOf("STANDBY") != standby || states.contains("")) return false;
            roles[0] = trainers.get(1 - standby);
            roles[1] = trainers.get(standby);
            return true;
        });
        return roles;
    }

    /** {@code /api/training}'s state on one trainer instance; empty when it does not answer. */
    private static String trainingState(String trainer) {
        try {
            return JSON.readTree(trainer(trainer, "/api/training")).path("state").asText();
        } catch (IOException e) {
            return "";
        }
    }

    private static String trainer(String instance, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(stack.url(instance, path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Pairs whose chosen answer names the prompt's animal, numbered from {@code first}, straight onto partition 0 of the pairs topic. */
    private static void sendPairs(int first, int count) {
        String[] animals = {"cat", "dog", "cow", "owl"};
        List<PreferencePair> pairs = new ArrayList<>();
        for (int n = first; n < first + count; n++) {
            String animal = animals[n % animals.length];
            pairs.add(PreferencePair.of("failover-" + n, "What does the " + animal + " eat?",
                    new Answer("The " + animal + " eats food.", List.of(), "1"), new Answer("It eats " + (n % 3) + " things.", List.of(), "1"),
                    new PreferencePair.VoteRef("failover-vote-" + n, "rater", 0, n, Instant.now())));
        }
        KafkaTestClient.send(stack.bootstrapServers(), Topics.PREFERENCE_PAIRS, 0, null, pairs, PreferencePair.class);
    }

    /** The first announcement of {@code versionId} on the registry topic. */
    private static ModelVersion awaitVersion(String versionId) {
        return KafkaTestClient.readUntil(stack.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class,
                        v -> v.stream().anyMatch(x -> x.versionId().equals(versionId)), WAIT).stream()
                .filter(x -> x.versionId().equals(versionId)).findFirst()
                .orElseThrow(() -> new AssertionError("version " + versionId + " was not published"));
    }

    /** A prompt long enough that its prefill, not the (often empty) answer, keeps the generation thread busy. */
    private static final String LONG_PROMPT = "Write one short sentence about each of these farm animals, in this order: "
            + "the cow, the sheep, the horse, the pig, the duck, the goose, the hen, the goat and the donkey.";

    private static String session() throws Exception {
        HttpResponse<String> opened = HTTP.send(HttpRequest.newBuilder(gateway("/api/session")).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, opened.statusCode(), opened.body());
        return JSON.readTree(opened.body()).path("token").asText();
    }

    private static String createComparison() throws Exception {
        return createComparison(gateway("/api/comparisons"), "Name a colour.");
    }

    private static String createComparison(URI endpoint, String prompt) throws Exception {
        // The bootstrap takes ~30 s on two idle cores; minutes on a machine shared with other builds.
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(endpoint)
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

    /** One tie vote; true when it was acknowledged (its voteId is then recorded). */
    private static boolean vote(String comparison, Map<String, String> acknowledged, Map<Integer, Integer> statuses) {
        try {
            HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(gateway("/api/votes"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(
                            Map.of("comparisonId", comparison, "choice", "TIE")))).build(), HttpResponse.BodyHandlers.ofString());
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
