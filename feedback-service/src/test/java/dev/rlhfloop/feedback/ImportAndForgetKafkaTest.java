package dev.rlhfloop.feedback;

import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.publishComparison;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.api.PairsImport;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Feedback as data against a real broker: an exported TRL file imported again lands on the pairs topic
 * as the same pairs (all or nothing per request), and a forgotten rater's votes leave the statistics
 * and the exports, past votes included.
 */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class ImportAndForgetKafkaTest extends AnswersFitTheOpenApiDocument {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectLocalKafka
    LocalKafka kafka;

    @Inject
    FeedbackStores stores;

    @Inject
    RaterDirectory directory;

    private static String export(String path) {
        return given().header("Authorization", TestSessions.admin()).when().get(path).then().statusCode(200).extract().asString();
    }

    private static List<String> triples(List<JsonNode> lines) {
        return lines.stream().map(l -> l.get("prompt").asText() + "|" + l.get("chosen").asText() + "|" + l.get("rejected").asText())
                .sorted().toList();
    }

    private List<PreferencePair> importedAs(String importId, int count) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class,
                        p -> p.stream().filter(x -> x.source() != null && x.source().importId().equals(importId)).count() >= count,
                        WAIT, Duration.ofMillis(300))
                .stream().filter(x -> x.source() != null && x.source().importId().equals(importId)).toList();
    }

    @Test
    void anExportedTrlFileRoundTripsThroughTheImport() throws Exception {
        publishComparison(kafka, stores, "cmp-trip-1", "trip-a", "trip-b");
        publishComparison(kafka, stores, "cmp-trip-2", "trip-a", "trip-b");
        FeedbackServiceKafkaTest.postVote(FeedbackServiceKafkaTest.vote("cmp-trip-1", "A", "tripper")).then().statusCode(202);
        FeedbackServiceKafkaTest.postVote(FeedbackServiceKafkaTest.vote("cmp-trip-2", "B", "tripper")).then().statusCode(202);
        KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class,
                p -> p.stream().filter(x -> "tripper".equals(x.rater())).count() == 2, WAIT, Duration.ofMillis(300));

        List<JsonNode> trl = new ArrayList<>();
        for (String line : export("/api/export/pairs.jsonl?format=trl").lines().toList()) trl.add(Json.MAPPER.readTree(line));
        assertTrue(trl.size() >= 2, "the export holds the votes' pairs");
        List<PairsImport.ImportedPair> pairs = new ArrayList<>();
        for (int i = 0; i < trl.size(); i++) {
            JsonNode l = trl.get(i);
            pairs.add(new PairsImport.ImportedPair(i + 1, l.get("prompt").asText(), l.get("chosen").asText(), l.get("rejected").asText()));
        }
        // without the admin's credential: refused
        given().contentType(ContentType.JSON).body(Json.writeString(new PairsImport("pairs-trl.jsonl", pairs)))
                .post("/api/import/pairs").then().statusCode(401);
        given().header("Authorization", TestSessions.rater("tripper")).contentType(ContentType.JSON)
                .body(Json.writeString(new PairsImport("pairs-trl.jsonl", pairs))).post("/api/import/pairs").then().statusCode(403);

        JsonPath imported = given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON)
                .body(Json.writeString(new PairsImport("pairs-trl.jsonl", pairs)))
                .post("/api/import/pairs").then().statusCode(201)
                .body("pairs", equalTo(trl.size())).body("source", equalTo("pairs-trl.jsonl")).extract().jsonPath();
        String importId = imported.getString("importId");

        List<PreferencePair> onTopic = importedAs(importId, trl.size());
        assertEquals(trl.size(), onTopic.size());
        List<JsonNode> back = onTopic.stream().map(p -> (JsonNode) Json.MAPPER.valueToTree(Map.of(
                "prompt", p.prompt(), "chosen", p.chosen().text(), "rejected", p.rejected().text()))).toList();
        assertEquals(triples(trl), triples(back), "the topic holds the same prompt, chosen and rejected");
        PreferencePair first = onTopic.stream().filter(p -> p.source().line() == 1).findFirst().orElseThrow();
        assertEquals("pairs-trl.jsonl", first.source().name());
        assertEquals("import:" + importId + ":1", first.comparisonId());
        assertEquals(null, first.vote(), "an imported pair is no vote");

        // the lineage export says where an imported pair came from
        assertTrue(export("/api/export/pairs.jsonl").lines().anyMatch(l -> l.contains("\"importId\":\"" + importId + "\"")
                && l.contains("\"source\":\"pairs-trl.jsonl\"")));
    }

    @Test
    void aRequestWithABadPairIsRefusedNamingItsLineAndPublishesNothing() {
        var good = new PairsImport.ImportedPair(3, "Name a bird.", " An owl.", " A stone.");
        var empty = new PairsImport.ImportedPair(7, "Name a fish.", "", " A cloud.");
        var same = new PairsImport.ImportedPair(9, "Name a tree.", " An oak.", " An oak.");
        given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON)
                .body(Json.writeString(new PairsImport("bad-file.jsonl", List.of(good, empty, same))))
                .post("/api/import/pairs").then().statusCode(400)
                .body("error", equalTo("bad_request"))
                .body("reason", containsString("line 7: chosen is missing"))
                .body("reason", containsString("line 9: chosen and rejected are the same answer"))
                .body("reason", containsString("nothing was imported"));
        given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON).body("{\"source\": \"x\", \"pairs\": []}")
                .post("/api/import/pairs").then().statusCode(400).body("reason", containsString("pairs is missing"));

        // a good request after the bad one: when its pairs are on the topic, the bad file's would be before them
        String after = given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON)
                .body(Json.writeString(new PairsImport("after-bad.jsonl", List.of(good))))
                .post("/api/import/pairs").then().statusCode(201).extract().path("importId");
        importedAs(after, 1);
        List<PreferencePair> all = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class,
                p -> p.stream().anyMatch(x -> x.source() != null && x.source().importId().equals(after)), WAIT, Duration.ofMillis(300));
        assertTrue(all.stream().noneMatch(p -> p.source() != null && p.source().name().equals("bad-file.jsonl")),
                "nothing of the refused request was published");
    }

    @Test
    void aForgottenRatersVotesLeaveTheStatisticsAndTheExports() {
        // two raters as opening their sessions records them (POST /api/session)
        String forgottenId = "r-forget-me", keptId = "r-keep-me";
        directory.publish(Rater.anonymous(forgottenId, Instant.now()));
        directory.publish(Rater.anonymous(keptId, Instant.now()));
        String forgotten = TestSessions.rater(forgottenId).substring("Bearer ".length());
        String kept = TestSessions.rater(keptId).substring("Bearer ".length());
        publishComparison(kafka, stores, "cmp-forget-1", "fg-a", "fg-b");
        publishComparison(kafka, stores, "cmp-forget-2", "fg-a", "fg-b");
        for (String comparison : List.of("cmp-forget-1", "cmp-forget-2")) {
            given().header("Authorization", "Bearer " + forgotten).contentType(ContentType.JSON)
                    .body("{\"comparisonId\": \"" + comparison + "\", \"choice\": \"A\"}").post("/api/votes").then().statusCode(202);
        }
        given().header("Authorization", "Bearer " + kept).contentType(ContentType.JSON)
                .body("{\"comparisonId\": \"cmp-forget-1\", \"choice\": \"B\"}").post("/api/votes").then().statusCode(202);
        // and a thumbs each on an answer they both saw
        for (String session : List.of(forgotten, kept)) {
            given().header("Authorization", "Bearer " + session).contentType(ContentType.JSON).body("{\"thumb\": \"UP\"}")
                    .post("/api/thumbs/cmp-forget-1/A").then().statusCode(202);
        }
        KafkaTestClient.await("three votes on fg-a", WAIT, () -> votesOn("fg-a") == 3);
        JsonPath before = given().get("/api/stats").then().statusCode(200)
                .body("leaderboard.find { it.version == 'fg-a' }.games", equalTo(3)).extract().jsonPath();

        given().header("Authorization", TestSessions.rater(keptId)).post("/api/raters/" + forgottenId + "/forget").then().statusCode(403);
        given().header("Authorization", TestSessions.admin()).post("/api/raters/r-nobody/forget").then().statusCode(404);
        given().header("Authorization", TestSessions.admin()).post("/api/raters/" + forgottenId + "/forget").then().statusCode(200)
                .body("raterId", equalTo(forgottenId)).body("forgottenAt", notNullValue()).body("revokedAt", notNullValue());

        // statistics: as if the votes had never been cast, past ones included
        KafkaTestClient.await("fg-a counting the kept rater's vote only", WAIT, () -> votesOn("fg-a") == 1);
        JsonPath now = given().get("/api/stats").then().statusCode(200)
                .body("versions.find { it.version == 'fg-a' }.losses", equalTo(1))
                .body("versions.find { it.version == 'fg-a' }.wins", equalTo(0))
                .body("versions.find { it.version == 'fg-b' }.wins", equalTo(1))
                .body("leaderboard.find { it.version == 'fg-a' }.games", equalTo(1))
                .extract().jsonPath();
        assertEquals(before.getLong("totals.votes") - 2, now.getLong("totals.votes"));
        assertEquals(before.getLong("totals.decisiveVotes") - 2, now.getLong("totals.decisiveVotes"));
        assertEquals(before.getLong("totals.raters") - 1, now.getLong("totals.raters"));
        long perMinuteBefore = before.getList("votesPerMinute.votes", Long.class).stream().mapToLong(Long::longValue).sum();
        long perMinuteNow = now.getList("votesPerMinute.votes", Long.class).stream().mapToLong(Long::longValue).sum();
        assertEquals(perMinuteBefore - 2, perMinuteNow);

        // exports: none of the forgotten rater's votes or pairs; the kept rater's are there
        String votes = export("/api/export/votes.jsonl");
        String pairs = export("/api/export/pairs.jsonl");
        int thumbsOnTopic = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.THUMBS, dev.rlhfloop.contracts.ThumbsEvent.class,
                t -> t.stream().filter(x -> x.comparisonId().equals("cmp-forget-1")).count() == 2, WAIT).size();
        String thumbs = export("/api/export/thumbs.jsonl");
        for (String export : List.of(votes, pairs, thumbs)) {
            assertTrue(export.lines().noneMatch(l -> l.contains(forgottenId)), export);
            assertTrue(export.lines().anyMatch(l -> l.contains(keptId)), export);
        }
        // only this test forgets a rater, whichever test classes share the broker
        assertEquals(thumbsOnTopic - 1, thumbs.lines().count(), "all thumbs but the forgotten rater's");
        assertEquals(thumbsOnTopic - 1, export("/api/export/thumbs.jsonl?format=trl").lines().count(), "TRL's file leaves them out too");

        // and the rater is refused from now on
        given().header("Authorization", "Bearer " + forgotten).contentType(ContentType.JSON)
                .body("{\"comparisonId\": \"cmp-forget-2\", \"choice\": \"B\"}").post("/api/votes").then().statusCode(401);
        assertTrue(given().header("Authorization", TestSessions.admin()).get("/api/raters").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.raterId == '" + forgottenId + "' }.forgottenAt").get(0) != null);
    }

    private static long votesOn(String version) {
        Map<String, Object> stats = FeedbackServiceKafkaTest.statsOf(version);
        return stats == null ? -1 : ((Number) stats.get("votes")).longValue();
    }
}
