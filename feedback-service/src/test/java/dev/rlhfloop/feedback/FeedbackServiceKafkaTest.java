package dev.rlhfloop.feedback;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.PrometheusScrape;
import dev.rlhfloop.service.testing.TestSessions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.startsWith;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.Test;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.service.testing.PublicApi;
import dev.rlhfloop.service.testing.EventStream;

/** The service against a real broker: votes in over HTTP, pairs out on Kafka, statistics back over HTTP. */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class FeedbackServiceKafkaTest extends AnswersFitTheOpenApiDocument {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectLocalKafka
    LocalKafka kafka;

    @TestHTTPResource("/api/stats/events")
    URI statsEvents;

    @Inject
    FeedbackStores stores;

    @Inject
    VotePublisher publisher;

    private void publishComparison(String comparisonId, String versionA, String versionB) {
        publishComparison(kafka, stores, comparisonId, versionA, versionB);
    }

    /** Both answers of a comparison on rlhf.generations, then waits until the stores have joined them. */
    static void publishComparison(LocalKafka kafka, FeedbackStores stores, String comparisonId, String versionA, String versionB) {
        publishAnswers(kafka, comparisonId, versionA, versionB);
        awaitComparison(stores, comparisonId);
    }

    static void publishAnswers(LocalKafka kafka, String comparisonId, String versionA, String versionB) {
        for (Slot slot : Slot.values()) {
            String version = slot == Slot.A ? versionA : versionB;
            var generation = GenerationEvent.of(comparisonId + "-" + slot, comparisonId, slot, "Name a farm animal.",
                    new Answer(slot == Slot.A ? " A cow." : " The sky.", List.of(1, 2, 3), version),
                    new Sampling(0.8, 40, 0.95, 16, 7), -1.5);
            KafkaTestClient.send(kafka.bootstrapServers(), Topics.GENERATIONS, comparisonId, generation, GenerationEvent.class);
        }
    }

    static void awaitComparison(FeedbackStores stores, String comparisonId) {
        KafkaTestClient.await("comparison " + comparisonId + " in the stores", WAIT, () -> {
            try {
                return stores.comparison(comparisonId).map(ComparisonState::complete).orElse(false);
            } catch (StoreQueries.NotReadyException | org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                return false;   // the stores are starting or rebalancing (a first test of the application)
            }
        });
    }

    /** Posts the vote with a session of the rater the JSON names (the service ignores the field itself: the rater is the session's). */
    static Response postVote(String json) {
        java.util.regex.Matcher rater = java.util.regex.Pattern.compile("\"rater\": \"([^\"]+)\"").matcher(json);
        var request = given().contentType(ContentType.JSON).body(json);
        request = request.header("Authorization", TestSessions.rater(rater.find() ? rater.group(1) : "tester"));
        return request.when().post("/api/votes");
    }

    static String vote(String comparisonId, String choice, String rater) {
        return """
                {"comparisonId": "%s", "choice": "%s", "rater": "%s", "reason": "it names an animal"}"""
                .formatted(comparisonId, choice, rater);
    }

    /** One version's entry of GET /api/stats; null while the statistics cannot answer or do not know it. */
    static Map<String, Object> statsOf(String version) {
        Response r = given().when().get("/api/stats");
        if (r.statusCode() != 200) return null;
        List<Map<String, Object>> versions = r.jsonPath().getList("versions");
        return versions.stream().filter(v -> version.equals(v.get("version"))).findFirst().orElse(null);
    }

    @Test
    void votesBecomePreferencePairsAndStatistics() {
        var sft = new ModelVersion(1, "sft-0", "main", null, Algorithm.SFT, null, Map.of("val.loss", 2.0),
                new ModelVersion.Weights("http://127.0.0.1/sft-0", "a".repeat(64)), Instant.now());
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, sft.key(), sft, ModelVersion.class);
        publishComparison("cmp-pairs", "sft-0", "dpo-1");
        publishComparison("cmp-tie", "sft-0", "dpo-1");

        postVote(vote("cmp-pairs", "B", "alice")).then().statusCode(202)
                .body("duplicate", equalTo(false))
                .body("voteId", equalTo(VoteEvent.idFor("cmp-pairs", "alice")))
                .body("choice", equalTo("B"));
        postVote(vote("cmp-pairs", "a", "bob")).then().statusCode(202).body("choice", equalTo("A"));
        postVote(vote("cmp-tie", "TIE", "alice")).then().statusCode(202);

        // other tests share the topic: this test's pairs are those of its comparisons
        java.util.function.Function<List<PreferencePair>, List<PreferencePair>> mine = all -> all.stream()
                .filter(p -> p.comparisonId().equals("cmp-pairs") || p.comparisonId().equals("cmp-tie")).toList();
        List<PreferencePair> pairs = mine.apply(KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS,
                PreferencePair.class, p -> mine.apply(p).size() >= 2, WAIT, Duration.ofMillis(300)));
        assertEquals(2, pairs.size(), "a tie makes no pair: " + pairs);
        PreferencePair alice = pairs.stream().filter(p -> p.vote().rater().equals("alice")).findFirst().orElseThrow();
        assertEquals(" The sky.", alice.chosen().text());
        assertEquals("dpo-1", alice.chosen().modelVersion());
        assertEquals(" A cow.", alice.rejected().text());
        assertEquals("Name a farm animal.", alice.prompt());

        KafkaTestClient.await("statistics for dpo-1", WAIT, () -> {
            Map<String, Object> dpo = statsOf("dpo-1");
            return dpo != null && ((Number) dpo.get("votes")).intValue() == 3;
        });
        given().when().get("/api/stats").then().statusCode(200)
                .body("baselineVersion", equalTo("sft-0"))
                .body("versions.find { it.version == 'dpo-1' }.wins", equalTo(1))
                .body("versions.find { it.version == 'dpo-1' }.losses", equalTo(1))
                .body("versions.find { it.version == 'dpo-1' }.ties", equalTo(1))
                .body("versions.find { it.version == 'dpo-1' }.winRateVsBaseline.trials", equalTo(2))
                .body("versions.find { it.version == 'sft-0' }.votes", equalTo(3))
                .body("votesPerMinute.votes.sum()", greaterThanOrEqualTo(3))
                .body("totals.votes", greaterThanOrEqualTo(3))
                .body("totals.decisiveVotes", greaterThanOrEqualTo(2))
                .body("totals.raters", greaterThanOrEqualTo(2));
        // one instance holds every partition here: its share, which other instances would fetch, is everything
        given().when().get(StoreQueries.SHARE_PATH).then().statusCode(200)
                .body("totals.votes", greaterThanOrEqualTo(3))
                .body("byVersion.'dpo-1'.votes", equalTo(3));
    }

    /** Every pair of a JSON Lines export, by vote id. */
    private static Map<String, com.fasterxml.jackson.databind.JsonNode> exported(String path) throws Exception {
        String body = given().header("Authorization", TestSessions.admin()).when().get(path).then().statusCode(200)
                .contentType(containsString("application/x-ndjson")).extract().asString();
        Map<String, com.fasterxml.jackson.databind.JsonNode> byVoteId = new java.util.LinkedHashMap<>();
        for (String line : body.lines().toList()) {
            com.fasterxml.jackson.databind.JsonNode node = dev.rlhfloop.contracts.Json.MAPPER.readTree(line);
            // an imported pair (another test's) has no vote: it is known by its id on the topic
            String key = node.has("importId") ? "import:" + node.get("importId").asText() + ":" + node.get("sourceLine").asInt()
                    : node.path("voteId").asText(String.valueOf(byVoteId.size()));
            byVoteId.put(key, node);
        }
        return byVoteId;
    }

    @Test
    void theFeedbackExportsAsJsonLinesAndTrlWithNothingLostOrAdded() throws Exception {
        publishComparison("cmp-export-1", "sft-x", "dpo-x");
        publishComparison("cmp-export-2", "sft-x", "dpo-x");
        postVote(vote("cmp-export-1", "A", "frank")).then().statusCode(202);
        postVote(vote("cmp-export-2", "B", "frank")).then().statusCode(202);
        String first = VoteEvent.idFor("cmp-export-1", "frank"), second = VoteEvent.idFor("cmp-export-2", "frank");
        java.util.Set<String> before = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class,
                        p -> p.stream().filter(x -> "frank".equals(x.rater())).count() == 2, WAIT, Duration.ofMillis(300))
                .stream().filter(p -> p.vote() != null).map(p -> p.vote().voteId()).collect(java.util.stream.Collectors.toSet());

        Map<String, com.fasterxml.jackson.databind.JsonNode> pairs = exported("/api/export/pairs.jsonl");
        assertTrue(pairs.keySet().containsAll(before), "every pair on the topic before the export is in it");
        java.util.Set<String> after = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class,
                p -> p.size() >= pairs.size(), WAIT, Duration.ofMillis(300)).stream()
                .map(p -> p.vote() != null ? p.vote().voteId() : p.comparisonId())
                .collect(java.util.stream.Collectors.toSet());
        assertTrue(after.containsAll(pairs.keySet()), "nothing exported that is not on the topic");
        var voted = pairs.values().stream().filter(p -> p.has("voteOffset")).toList();
        assertEquals(voted.size(), voted.stream().map(p -> p.get("voteOffset").asLong() + "@" + p.get("votePartition").asInt())
                .distinct().count(), "no pair twice");
        com.fasterxml.jackson.databind.JsonNode a = pairs.get(first);
        assertEquals(" A cow.", a.get("chosen").asText());
        assertEquals(" The sky.", a.get("rejected").asText());
        assertEquals("sft-x", a.get("chosenVersion").asText());
        assertEquals("dpo-x", a.get("rejectedVersion").asText());
        assertEquals("frank", a.get("rater").asText());
        assertEquals("dpo-x", pairs.get(second).get("chosenVersion").asText());

        String trl = given().header("Authorization", TestSessions.admin()).when().get("/api/export/pairs.jsonl?format=trl").then().statusCode(200).extract().asString();
        List<String> trlLines = trl.lines().toList();
        assertTrue(trlLines.size() >= before.size());
        for (String line : trlLines) {
            com.fasterxml.jackson.databind.JsonNode node = dev.rlhfloop.contracts.Json.MAPPER.readTree(line);
            List<String> fields = new java.util.ArrayList<>();
            node.fieldNames().forEachRemaining(fields::add);
            assertEquals(List.of("prompt", "chosen", "rejected"), fields, line);
        }

        Map<String, com.fasterxml.jackson.databind.JsonNode> votes = exported("/api/export/votes.jsonl?pseudonymise=true");
        assertEquals(votes.get(first).get("rater").asText(), votes.get(second).get("rater").asText(), "one rater, one pseudonym");
        assertTrue(votes.values().stream().noneMatch(v -> v.get("rater").asText().equals("frank")), "no rater id in a pseudonymised export");
        assertEquals(0, exported("/api/export/generations.jsonl?from=2999-01-01T00:00:00Z").size(), "nothing after a future instant");
        assertTrue(exported("/api/export/generations.jsonl").size() >= 4);

        given().header("Authorization", TestSessions.admin()).when().get("/api/export/secrets.jsonl").then().statusCode(400).body("reason", containsString("pairs, votes, thumbs, generations"));
        given().header("Authorization", TestSessions.admin()).when().get("/api/export/votes.jsonl?format=trl").then().statusCode(400).body("reason", containsString("thumbs (prompt, completion, label) only"));
        given().header("Authorization", TestSessions.admin()).when().get("/api/export/generations.jsonl?format=trl").then().statusCode(400).body("error", equalTo("bad_request"));
        given().header("Authorization", TestSessions.admin()).when().get("/api/export/pairs.jsonl?format=csv").then().statusCode(400).body("reason", containsString("jsonl or trl"));
        given().header("Authorization", TestSessions.admin()).when().get("/api/export/pairs.jsonl?from=yesterday").then().statusCode(400).body("reason", containsString("ISO-8601"));
    }

    /** The JSON Lines of an export, as the admin gets them. */
    private static List<JsonNode> exportLines(String path) throws Exception {
        String body = given().header("Authorization", TestSessions.admin()).when().get(path).then().statusCode(200)
                .contentType(containsString("application/x-ndjson")).extract().asString();
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : body.lines().toList()) lines.add(dev.rlhfloop.contracts.Json.MAPPER.readTree(line));
        return lines;
    }

    private static List<String> fieldsOf(JsonNode node) {
        List<String> fields = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(fields::add);
        return fields;
    }

    @Test
    void theThumbsExportWithTheirLineageAndAsTrlsKtoRatings() throws Exception {
        publishComparison("cmp-thumbs-export-1", "sft-t", "dpo-t");
        // a follow-up: each side's answer carries its own earlier turn
        for (Slot slot : Slot.values()) {
            var generation = new GenerationEvent(GenerationEvent.SCHEMA_VERSION, "cmp-thumbs-export-2-" + slot, "cmp-thumbs-export-2", slot,
                    "And a wild one?", new Answer(slot == Slot.A ? " A fox." : " A cloud.", List.of(4, 5), "dpo-t"),
                    new Sampling(0.8, 40, 0.95, 16, 7), -1.5, Instant.now(),
                    List.of(new dev.rlhfloop.contracts.Turn("Name a farm animal.", slot == Slot.A ? " A cow." : " The sky.")));
            KafkaTestClient.send(kafka.bootstrapServers(), Topics.GENERATIONS, "cmp-thumbs-export-2", generation, GenerationEvent.class);
        }
        awaitComparison(stores, "cmp-thumbs-export-2");
        String gus = TestSessions.rater("gus");
        for (String thumbs : List.of("cmp-thumbs-export-1/A UP", "cmp-thumbs-export-1/B DOWN", "cmp-thumbs-export-2/B DOWN")) {
            String[] target = thumbs.split(" ");
            given().header("Authorization", gus).contentType(ContentType.JSON).body("{\"thumb\": \"" + target[1] + "\"}")
                    .when().post("/api/thumbs/" + target[0]).then().statusCode(202);
        }
        Set<String> onTopic = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.THUMBS, dev.rlhfloop.contracts.ThumbsEvent.class,
                        t -> t.stream().filter(x -> x.rater().equals("gus")).count() == 3, WAIT, Duration.ofMillis(300))
                .stream().map(dev.rlhfloop.contracts.ThumbsEvent::thumbsId).collect(java.util.stream.Collectors.toSet());

        // other test classes may share the broker (and forget a rater): the export holds no thumbs the topic does not
        List<JsonNode> jsonl = exportLines("/api/export/thumbs.jsonl");
        assertTrue(jsonl.stream().allMatch(l -> onTopic.contains(l.get("thumbsId").asText())), "nothing exported that is not on the topic");
        Map<String, JsonNode> gusThumbs = new java.util.HashMap<>();
        for (JsonNode line : jsonl) if (line.get("rater").asText().equals("gus")) gusThumbs.put(line.get("thumbsId").asText(), line);
        assertEquals(3, gusThumbs.size());
        JsonNode up = gusThumbs.get(dev.rlhfloop.contracts.ThumbsEvent.idFor("cmp-thumbs-export-1", Slot.A, "gus"));
        assertEquals(List.of("prompt", "completion", "label", "modelVersion", "comparisonId", "slot", "thumbsId", "rater", "ratedAt",
                "partition", "offset"), fieldsOf(up));
        assertEquals("Name a farm animal.", up.get("prompt").asText());
        assertEquals(" A cow.", up.get("completion").asText());
        assertEquals(true, up.get("label").asBoolean());
        assertEquals("sft-t", up.get("modelVersion").asText());
        assertEquals("A", up.get("slot").asText());
        assertTrue(Instant.parse(up.get("ratedAt").asText()).isBefore(Instant.now().plusSeconds(1)));
        JsonNode down = gusThumbs.get(dev.rlhfloop.contracts.ThumbsEvent.idFor("cmp-thumbs-export-1", Slot.B, "gus"));
        assertEquals(false, down.get("label").asBoolean());
        assertEquals("dpo-t", down.get("modelVersion").asText());
        JsonNode followUp = gusThumbs.get(dev.rlhfloop.contracts.ThumbsEvent.idFor("cmp-thumbs-export-2", Slot.B, "gus"));
        assertEquals(" A cloud.", followUp.get("completion").asText());
        assertEquals("[{\"prompt\":\"Name a farm animal.\",\"answer\":\" The sky.\"}]", followUp.get("history").toString(),
                "the rated side's own earlier turn");
        assertEquals(jsonl.size(), jsonl.stream().map(l -> l.get("partition") + "@" + l.get("offset")).distinct().count(), "no thumbs twice");

        List<JsonNode> trl = exportLines("/api/export/thumbs.jsonl?format=trl");
        assertEquals(jsonl.size(), trl.size(), "one TRL line per thumbs");
        for (JsonNode line : trl) {
            assertEquals(List.of("prompt", "completion", "label"), fieldsOf(line), line.toString());
            assertTrue(line.get("label").isBoolean(), line.toString());
        }
        assertTrue(trl.stream().anyMatch(l -> l.get("completion").asText().equals(" A cow.") && l.get("label").asBoolean()));

        List<JsonNode> pseudonymised = exportLines("/api/export/thumbs.jsonl?pseudonymise=true");
        assertEquals(jsonl.size(), pseudonymised.size());
        assertTrue(pseudonymised.stream().noneMatch(l -> l.get("rater").asText().equals("gus")), "no rater id in a pseudonymised export");
        java.util.Set<String> gusAs = pseudonymised.stream().filter(l -> gusThumbs.containsKey(l.get("thumbsId").asText()))
                .map(l -> l.get("rater").asText()).collect(java.util.stream.Collectors.toSet());
        assertEquals(1, gusAs.size(), "one rater, one pseudonym: " + gusAs);
        assertEquals(0, exportLines("/api/export/thumbs.jsonl?from=2999-01-01T00:00:00Z").size(), "nothing after a future instant");
    }

    @Test
    void aRaterVotingTwiceCountsOnce() {
        publishComparison("cmp-twice", "base-2", "dpo-2");
        postVote(vote("cmp-twice", "A", "carol")).then().statusCode(202).body("duplicate", equalTo(false));
        KafkaTestClient.await("carol's vote in the stores", WAIT, () -> statsOf("dpo-2") != null);
        postVote(vote("cmp-twice", "B", "carol")).then().statusCode(202)
                .body("duplicate", equalTo(true))
                .body("choice", equalTo("A"))
                .body("voteId", equalTo(VoteEvent.idFor("cmp-twice", "carol")));
        // a repeat written straight to the topic, past the API, is dropped by the topology
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.VOTES, "cmp-twice",
                VoteEvent.of("cmp-twice", Choice.B, "carol", null, Instant.now()), VoteEvent.class);
        postVote(vote("cmp-twice", "B", "dave")).then().statusCode(202);
        KafkaTestClient.await("dave's vote counted", WAIT, () -> ((Number) statsOf("dpo-2").get("votes")).intValue() == 2);

        Map<String, Object> dpo = statsOf("dpo-2");
        assertEquals(1, ((Number) dpo.get("wins")).intValue(), dpo.toString());
        assertEquals(1, ((Number) dpo.get("losses")).intValue(), dpo.toString());
        List<VoteEvent> votes = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.VOTES, VoteEvent.class,
                v -> false, Duration.ofSeconds(1), Duration.ofMillis(300));
        assertEquals(2, votes.stream().filter(v -> v.comparisonId().equals("cmp-twice") && v.rater().equals("carol")).count(),
                "the API did not publish carol's second vote; the test wrote one repeat itself");
    }

    @Test
    void badVotesAreRefusedWithAReason() {
        refused(postVote("{\"choice\": \"A\"}"), equalTo("comparisonId is missing"));
        refused(postVote(vote("cmp-x", "C", "alice")), allOf(startsWith("choice: "), containsString("BOTH_BAD")));
        refused(postVote("{\"comparisonId\": \"cmp-x\"}"), equalTo("choice is missing (one of A, B, TIE, BOTH_BAD)"));
        refused(postVote("{\"comparisonId\": \"cmp-x\", "), containsString("malformed JSON"))
                .body("reason", not(containsString("at com.")));
        refused(postVote(""), startsWith("the body is missing"));
        refused(postVote("{\"comparisonId\": \"%s\", \"choice\": \"A\"}".formatted("c".repeat(201))),
                equalTo("comparisonId is longer than 200 characters"));
    }

    /** A 400 with the shared error body: code bad_request, and the reason a person reads. */
    private static ValidatableResponse refused(Response answer, Matcher<String> reason) {
        return answer.then().statusCode(400).contentType(ContentType.JSON)
                .body("error", equalTo("bad_request")).body("reason", reason);
    }

    @Test
    void aVoteOnAnUnknownComparisonIsRefused() {
        KafkaTestClient.await("the stream stores", WAIT, () -> given().get("/api/stats").statusCode() == 200);
        refused(postVote(vote("no-such-comparison", "A", "alice")), equalTo("unknown comparison no-such-comparison"));
    }

    @Test
    void theVoteTopicHoldsWhatTheApiAcknowledged() {
        publishComparison("cmp-ack", "base-3", "dpo-3");
        Response r = postVote(vote("cmp-ack", "BOTH_BAD", "erin"));
        r.then().statusCode(202);
        long offset = r.jsonPath().getLong("offset");
        int partition = r.jsonPath().getInt("partition");
        List<VoteEvent> votes = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.VOTES, VoteEvent.class,
                v -> v.stream().anyMatch(e -> e.comparisonId().equals("cmp-ack")), WAIT, Duration.ofMillis(300));
        VoteEvent stored = votes.stream().filter(e -> e.comparisonId().equals("cmp-ack")).findFirst().orElseThrow();
        assertEquals(Choice.BOTH_BAD, stored.choice());
        assertEquals("it names an animal", stored.reason());
        assertTrue(offset >= 0);
        assertEquals(publisher.partitionOf("cmp-ack"), partition, "the unknown-comparison check must look where the vote went");
    }

    @Test
    void anAcceptedVoteCountsInTheVotesMeterAndARepeatDoesNot() {
        publishComparison("cmp-metrics", "base-4", "dpo-4");
        String votes = OperatorMeter.VOTES.prometheusName();
        PrometheusScrape before = PrometheusScrape.fetch();
        assertEquals("counter", before.typeOf(votes));
        before.assertHasEveryMeterOf("feedback-service");

        postVote(vote("cmp-metrics", "TIE", "frank")).then().statusCode(202).body("duplicate", equalTo(false));
        KafkaTestClient.await("frank's vote in the stores", WAIT, () -> statsOf("dpo-4") != null);
        postVote(vote("cmp-metrics", "A", "frank")).then().statusCode(202).body("duplicate", equalTo(true));

        PrometheusScrape after = PrometheusScrape.fetch();
        assertEquals(before.sum(votes, Map.of("choice", "TIE")) + 1, after.sum(votes, Map.of("choice", "TIE")), after.text());
        assertEquals(before.sum(votes, Map.of("choice", "A")), after.sum(votes, Map.of("choice", "A")), "a repeat is not a new vote");
        assertTrue(after.sum(votes, Map.of()) >= 1);
    }

    /**
     * The stream starts with the statistics now and sends them again once votes change them; each
     * event's data is the body GET /api/stats answers.
     */
    @Test
    void theStatsStreamSendsTheStatisticsAndThenTheirChanges() throws Exception {
        publishComparison("cmp-stream", "base-5", "dpo-5");
        KafkaTestClient.await("the stream stores", WAIT, () -> given().get("/api/stats").statusCode() == 200);
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(statsEvents).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"),
                stream.headers().toString());
        EventStream events = EventStream.follow(stream.body(), "stats");
        BlockingQueue<String> statsData = events.data();
        BlockingQueue<String> comments = events.comments();
        try {
            String first = statsData.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(first != null && first.contains("\"totals\""), "the first event is the statistics now: " + first);
            assertTrue(!first.contains("\"dpo-5\""), "no vote on dpo-5 yet: " + first);

            // a tie: it makes no preference pair, which votesBecomePreferencePairsAndStatistics counts on the topic
            postVote(vote("cmp-stream", "TIE", "grace")).then().statusCode(202);
            String changed = null;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (changed == null && System.nanoTime() < deadline) {
                String next = statsData.poll(1, TimeUnit.SECONDS);
                if (next != null && next.contains("\"version\":\"dpo-5\"")) changed = next;
            }
            assertTrue(changed != null, "no stats event counted grace's vote on dpo-5");
            // the vote is counted and nothing else happens now: the stream's latest body is /api/stats's body
            String latest = changed;
            for (String more; (more = statsData.poll(3, TimeUnit.SECONDS)) != null; ) latest = more;
            assertEquals(given().get("/api/stats").then().statusCode(200).extract().asString(), latest);
            assertEquals(1, ((Number) statsOf("dpo-5").get("ties")).intValue());
            // quiet now: a keep-alive comment (every 2 s in tests) holds the stream open
            comments.clear();
            assertEquals(":keep-alive", comments.poll(10, TimeUnit.SECONDS));
        } finally {
            stream.body().close();
        }
    }

    /**
     * The generated document says which fields every answer has, and the conformance check holds
     * answers to it: a real vote answer fits, the same answer without its required voteId does not.
     */
    @Test
    void anAnswerMissingARequiredFieldDoesNotFitTheGeneratedDocument() throws Exception {
        PublicApi api = PublicApi.fetch(statsEvents.resolve("/q/openapi?format=json"));
        JsonNode schemas = api.document().path("components").path("schemas");
        assertEquals(Set.of("voteId", "comparisonId", "choice", "duplicate"), texts(schemas.path("VoteAccepted").path("required")));
        assertEquals(Set.of("comparisonId", "choice"), texts(schemas.path("VoteRequest").path("required")));
        assertEquals(Set.of("error", "reason"), texts(schemas.path("Error").path("required")));

        publishComparison("cmp-required", "base-7", "dpo-7");
        String accepted = postVote(vote("cmp-required", "TIE", "ada")).then().statusCode(202).extract().asString();
        assertEquals(List.of(), api.problems("POST", "/api/votes", 202, accepted));
        ObjectNode withoutId = (ObjectNode) new ObjectMapper().readTree(accepted);
        withoutId.remove("voteId");
        assertEquals(List.of("POST /api/votes → 202: $ lacks the required field \"voteId\""),
                api.problems("POST", "/api/votes", 202, withoutId.toString()));
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> texts = new java.util.HashSet<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }
}
