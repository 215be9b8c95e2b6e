package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;

import dev.rlhfloop.service.testing.TestSessions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.Engine;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Replays on the product's layout: {@code rlhf.preference-pairs} created as the product creates it
 * (three partitions), pairs keyed by comparison so the key spreads them, and a live line that cuts
 * some versions by count and some by max-wait. A replay from the beginning rebuilds every live
 * version's weights; one from a timestamp or an offset range, started from the right parent,
 * rebuilds the live versions in that range; another algorithm gives other weights, the same in
 * two replays.
 */
@QuarkusTest
@TestProfile(ReplayOnThreePartitionsKafkaTest.ShortMaxWait.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplayOnThreePartitionsKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    /** Vote times a second apart from here on, so a timestamp can fall between two versions' pairs. */
    private static final Instant FIRST_VOTE = Instant.now().minus(Duration.ofHours(1));
    private static final List<RecordMetadata> written = new ArrayList<>();
    private static Instant secondRoundStarts;

    /** Versions cut by max-wait within seconds; RLOO short enough for a tiny model. */
    public static class ShortMaxWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.max-wait", "2s",
                    "rlhf.trainer.rloo.steps", "1",
                    "rlhf.trainer.rloo.max-new-tokens", "6");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    @Order(1)
    void theLiveLineCutsVersionsByCountAndByTimeFromPairsOnEveryPartition() {
        awaitVersion("1");
        producePairs(12);                  // three versions of four, cut by count
        awaitVersion("4");
        secondRoundStarts = voteTime(12);
        producePairs(2);                   // too few for a count: cut by max-wait
        awaitVersion("5");
        producePairs(5);                   // four by count, then one by max-wait
        awaitVersion("7");

        List<ModelVersion> live = liveVersions();
        assertEquals(List.of("2", "3", "4", "5", "6", "7"), live.stream().map(ModelVersion::versionId).toList());
        assertEquals(List.of(ModelVersion.Cut.COUNT, ModelVersion.Cut.COUNT, ModelVersion.Cut.COUNT, ModelVersion.Cut.TIME,
                ModelVersion.Cut.COUNT, ModelVersion.Cut.TIME), live.stream().map(v -> v.trainedOn().cut()).toList());
        Set<Integer> partitionsUsed = written.stream().map(RecordMetadata::partition).collect(Collectors.toSet());
        assertEquals(Set.of(0, 1, 2), partitionsUsed, "the keys spread the pairs over the three partitions");
        Map<String, Long> previous = null;
        for (ModelVersion v : live) {
            if (previous != null) assertEquals(previous, v.trainedOn().fromOffsets(), v.versionId() + " starts where its parent stopped");
            previous = v.trainedOn().offsets();
            assertEquals(new ModelVersion.Engine(Engine.version(), Engine.floatLanes()), v.engine());
        }
        assertEquals(written.size(), previous.values().stream().mapToLong(Long::longValue).sum(), "every pair trained once");
        // The first version's four pairs are the first four votes, wherever their partitions put them.
        assertEquals(4, live.get(0).trainedOn().pairs());
        assertTrue(live.get(0).trainedOn().offsets().values().stream().filter(o -> o > 0).count() >= 2,
                "the first batch takes pairs from more than one partition: " + live.get(0).trainedOn().offsets());
        Map<String, Long> firstFour = new java.util.HashMap<>();
        for (RecordMetadata m : written.subList(0, 4)) firstFour.merge(Topics.PREFERENCE_PAIRS + ":" + m.partition(), m.offset() + 1, Math::max);
        firstFour.forEach((key, offset) -> assertEquals(offset, live.get(0).trainedOn().offsets().get(key), key));
    }

    @Test
    @Order(2)
    void aReplayFromTheBeginningRebuildsEveryLiveVersion() {
        JsonPath replay = runReplay("{\"from\": \"BEGINNING\", \"line\": \"whole\"}", "whole");
        assertEquals("1", replay.getString("parent"));
        assertEquals("live", replay.getString("follows"));
        assertEquals(List.of("whole-2", "whole-3", "whole-4", "whole-5", "whole-6", "whole-7"), replay.getList("versions"));
        assertEquals(List.of("2", "3", "4", "5", "6", "7"), replay.getList("comparisons.rebuilds"));
        assertEquals(List.of("IDENTICAL", "IDENTICAL", "IDENTICAL", "IDENTICAL", "IDENTICAL", "IDENTICAL"), replay.getList("comparisons.result"));
        assertEquals(List.of("COUNT", "COUNT", "COUNT", "TIME", "COUNT", "TIME"), replay.getList("comparisons.cut"));
        for (int n = 2; n <= 7; n++) {
            ModelVersion live = awaitVersion(Integer.toString(n));
            ModelVersion again = awaitVersion("whole-" + n);
            assertEquals(live.weights().sha256(), again.weights().sha256(), "version " + n);
            assertEquals(live.trainedOn().offsets(), again.trainedOn().offsets());
        }
    }

    @Test
    @Order(3)
    void aReplayFromATimestampStartedFromTheRightParentRebuildsTheVersionsAfterIt() {
        // The broker's record times are the vote times, so this timestamp is where version 5's pairs begin.
        JsonPath replay = runReplay("{\"from\": \"TIMESTAMP\", \"timestamp\": \"" + secondRoundStarts + "\", \"parent\": \"4\", \"line\": \"since\"}",
                "since");
        assertEquals("4", replay.getString("parent"));
        assertEquals(List.of("since-5", "since-6", "since-7"), replay.getList("versions"));
        assertEquals(List.of("IDENTICAL", "IDENTICAL", "IDENTICAL"), replay.getList("comparisons.result"));
        assertEquals(awaitVersion("7").weights().sha256(), awaitVersion("since-7").weights().sha256());
        assertEquals("4", awaitVersion("since-5").parentVersion());
    }

    @Test
    @Order(4)
    void aReplayOfPerPartitionOffsetRangesRebuildsExactlyTheVersionsInside() {
        ModelVersion v3 = awaitVersion("3");
        ModelVersion v5 = awaitVersion("5");
        String body = "{\"from\": \"OFFSETS\", \"fromOffsets\": " + Json.writeString(v3.trainedOn().fromOffsets())
                + ", \"toOffsets\": " + Json.writeString(v5.trainedOn().offsets()) + ", \"parent\": \"2\", \"line\": \"middle\"}";
        JsonPath replay = runReplay(body, "middle");
        assertEquals(List.of("middle-3", "middle-4", "middle-5"), replay.getList("versions"));
        assertEquals(List.of("3", "4", "5"), replay.getList("comparisons.rebuilds"));
        assertEquals(List.of("IDENTICAL", "IDENTICAL", "IDENTICAL"), replay.getList("comparisons.result"));
        assertEquals(v5.trainedOn().offsets(), awaitVersion("middle-5").trainedOn().offsets());

        // The same range from the SFT model: the same batches, other weights, and the replay says so.
        JsonPath fromSft = runReplay(body.replace("\"parent\": \"2\"", "\"parent\": \"1\"").replace("middle", "middle-sft"), "middle-sft");
        assertEquals(List.of("3", "4", "5"), fromSft.getList("comparisons.rebuilds"));
        assertEquals(List.of("DIFFERS", "DIFFERS", "DIFFERS"), fromSft.getList("comparisons.result"));
    }

    @Test
    @Order(5)
    void anotherAlgorithmGivesAnotherLineThatRepeatsItself() {
        String range = "\"fromOffsets\": {}, \"toOffsets\": " + Json.writeString(awaitVersion("4").trainedOn().offsets());
        JsonPath a = runReplay("{\"from\": \"OFFSETS\", " + range + ", \"algorithm\": \"rloo\", \"line\": \"rloo-a\"}", "rloo-a");
        JsonPath b = runReplay("{\"from\": \"OFFSETS\", " + range + ", \"algorithm\": \"rloo\", \"line\": \"rloo-b\"}", "rloo-b");
        assertEquals(List.of("rloo-a-2", "rloo-a-3", "rloo-a-4"), a.getList("versions"));
        assertEquals(List.of("DIFFERS", "DIFFERS", "DIFFERS"), a.getList("comparisons.result"));
        assertTrue(a.getString("comparisons[0].reason").contains("another algorithm"), a.getString("comparisons[0].reason"));
        Set<String> liveWeights = new HashSet<>();
        for (int n = 2; n <= 4; n++) {
            ModelVersion first = awaitVersion("rloo-a-" + n);
            ModelVersion second = awaitVersion("rloo-b-" + n);
            assertEquals(first.weights().sha256(), second.weights().sha256(), "RLOO version " + n + " repeats itself");
            assertEquals(awaitVersion(Integer.toString(n)).trainedOn().offsets(), first.trainedOn().offsets(), "the live line's batches");
            liveWeights.add(awaitVersion(Integer.toString(n)).weights().sha256());
            assertTrue(!liveWeights.contains(first.weights().sha256()), "RLOO weights differ from DPO's");
        }
    }

    @Test
    @Order(6)
    void replayRequestsThatCannotBeMetAreRefusedWithAReason() {
        Map<String, String> refused = Map.of(
                "{\"from\": \"BEGINNING\", \"parent\": \"99\"}", "there is no version '99' to start from",
                "{\"from\": \"OFFSETS\", \"fromOffsets\": {\"7\": 0}}", "partition 7 does not exist: rlhf.preference-pairs has 3",
                "{\"from\": \"OFFSETS\", \"fromOffset\": 0, \"fromOffsets\": {\"0\": 0}}", "not both",
                "{\"from\": \"OFFSETS\", \"fromOffsets\": {\"0\": 5}, \"toOffsets\": {\"0\": 2}}", "before its start",
                "{\"from\": \"OFFSETS\", \"fromOffsets\": {\"zero\": 5}}", "keys must be partitions",
                "{\"from\": \"OFFSETS\", \"fromOffsets\": [5]}", "must be an object",
                "{\"from\": \"BEGINNING\", \"parent\": \"\"}", "must name a version");
        refused.forEach((body, reason) -> given().header("Authorization", TestSessions.admin()).contentType("application/json").body(body).post("/api/replays").then()
                .statusCode(400)
                .body("error", org.hamcrest.Matchers.equalTo("bad_request"))
                .body("reason", org.hamcrest.Matchers.containsString(reason)));
    }

    private static JsonPath runReplay(String body, String line) {
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body(body).post("/api/replays").then().statusCode(202)
                .body("line", org.hamcrest.Matchers.equalTo(line));
        KafkaTestClient.await("replay " + line + " done", WAIT, () -> !"RUNNING".equals(replay(line).getString("state")));
        JsonPath replay = replay(line);
        assertEquals("DONE", replay.getString("state"), replay.prettify());
        return replay;
    }

    private static JsonPath replay(String line) {
        List<Map<String, Object>> all = given().get("/api/replays").then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, Object> found = all.stream().filter(r -> line.equals(r.get("line"))).findFirst()
                .orElseThrow(() -> new AssertionError("no replay into line " + line));
        return new JsonPath(Json.writeString(found));
    }

    private List<ModelVersion> liveVersions() {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class, v -> true, WAIT,
                        Duration.ofMillis(500)).stream()
                .filter(v -> v.modelLine().equals("live") && v.trainedOn().cut() != null)
                .collect(Collectors.toMap(ModelVersion::versionId, v -> v, (x, y) -> y)).values().stream()
                .sorted(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.versionId())))
                .toList();
    }

    private ModelVersion awaitVersion(String versionId) {
        return RegistryReads.awaitVersion(kafka.bootstrapServers(), versionId, WAIT);
    }

    private static Instant voteTime(int n) {
        return FIRST_VOTE.plusSeconds(n);
    }

    /**
     * Pairs as the feedback service writes them: keyed by comparison (the key picks the partition),
     * the broker's record time the vote's time. The chosen answer names the prompt's animal.
     */
    private void producePairs(int count) {
        String[] animals = {"cat", "dog", "cow", "owl"};
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(PreferencePair.class).serializer())) {
            for (int i = 0; i < count; i++) {
                int n = written.size();
                String animal = animals[n % animals.length];
                Instant votedAt = voteTime(n);
                PreferencePair pair = PreferencePair.of("cmp-" + n, "What does the " + animal + " eat?",
                        new Answer("The " + animal + " eats food.", List.of(), "1"),
                        new Answer("It eats " + (n % 3) + " things.", List.of(), "1"),
                        new PreferencePair.VoteRef("vote-" + n, "rater", 0, n, votedAt));
                written.add(producer.send(new ProducerRecord<>(Topics.PREFERENCE_PAIRS, null, votedAt.toEpochMilli(), pair.key(), pair)).get());
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write pairs", e);
        }
    }
}
