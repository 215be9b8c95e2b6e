package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.RaterCheck;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.data.AnswerChecker;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Comparisons that check the raters, against a real broker and a tiny model: the gold share is
 * honoured, a gold comparison is the reference answer against a wrong one and looks like any other
 * to the rater, and a comparison one rater voted on is shown to the next other rater.
 */
@QuarkusTest
@TestProfile(RaterChecksKafkaTest.Checks.class)
@WithTestResource(LocalKafkaTestResource.class)
class RaterChecksKafkaTest {
    static final double SHARE = 0.3;

    public static class Checks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.inference.rater-checks.gold-share", String.valueOf(SHARE),
                    "rlhf.inference.rater-checks.second-rater-share", String.valueOf(SHARE),
                    "rlhf.inference.rater-checks.fixed-answer-pace", "1ms",
                    "rlhf.inference.sampling.max-new-tokens", "4",
                    "rlhf.inference.max-queued-answers", "1000");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectLocalKafka
    LocalKafka kafka;

    @BeforeEach
    void serveAModel() throws Exception {
        ModelVersion version = TinyModels.packed(Files.createTempDirectory("rater-checks"), "7", 5, "live");
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, version.key(), version, ModelVersion.class);
        KafkaTestClient.await("the model served", WAIT, () ->
                given().contentType(ContentType.JSON).body("{\"prompt\": \"hi\"}").post("/api/comparisons").statusCode() == 201);
    }

    private static Response create(String rater) {
        var request = given().contentType(ContentType.JSON).body("{}");
        if (rater != null) request = request.header("Authorization", TestSessions.rater(rater));
        Response response = request.post("/api/comparisons");
        assertEquals(201, response.statusCode(), response.asString());
        return response;
    }

    private Map<String, List<GenerationEvent>> generations(Set<String> ids) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> ids.contains(e.comparisonId())).count() == 2L * ids.size(), WAIT)
                .stream().filter(e -> ids.contains(e.comparisonId()))
                .collect(Collectors.groupingBy(GenerationEvent::comparisonId));
    }

    private static boolean gold(List<GenerationEvent> answers) {
        return answers.get(0).check() != null && answers.get(0).check().gold();
    }

    @Test
    void theGoldShareIsHonouredAndGoldIsTheReferenceAgainstAWrongAnswerThatLooksLikeAnyOther() {
        int n = 200;
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) ids.add(create(null).jsonPath().getString("id"));
        Map<String, List<GenerationEvent>> byComparison = generations(ids);
        List<String> golds = byComparison.entrySet().stream().filter(e -> gold(e.getValue())).map(Map.Entry::getKey).toList();
        // Binomial(200, 0.3): mean 60, sd 6.5; outside [35, 85] (3.8 sd) by chance with probability ~1e-4
        assertTrue(golds.size() >= 35 && golds.size() <= 85, golds.size() + " gold of " + n);

        Map<String, InstructionExample> tasks = new BuiltinData(42).heldOutExamples().stream()
                .filter(t -> t.input().isEmpty()).collect(Collectors.toMap(InstructionExample::instruction, t -> t, (a, b) -> a));
        int referenceInA = 0;
        for (String id : golds) {
            List<GenerationEvent> answers = byComparison.get(id);
            InstructionExample task = tasks.get(answers.get(0).prompt());
            for (GenerationEvent answer : answers) {
                assertEquals(answer.check().reference(), AnswerChecker.isCorrect(task, answer.answer().text()), answer.toString());
                assertEquals("7", answer.answer().modelVersion(), "under the serving version's name");
                if (answer.check().reference() && answer.slot() == dev.rlhfloop.contracts.Slot.A) referenceInA++;
            }
            assertNotEquals(answers.get(0).check().reference(), answers.get(1).check().reference());
        }
        assertTrue(referenceInA > 0 && referenceInA < golds.size(), "sides drawn: " + referenceInA + " of " + golds.size() + " in A");

        // what the rater sees of a gold comparison has the same shape as any other, and names no check
        String goldId = golds.get(0);
        String other = ids.stream().filter(id -> !golds.contains(id)).findFirst().orElseThrow();
        String goldView = given().get("/api/comparisons/" + goldId).asString();
        String otherView = given().get("/api/comparisons/" + other).asString();
        assertEquals(keys(otherView), keys(goldView));
        for (String body : List.of(goldView, given().get("/api/comparisons/" + goldId + "/events").asString())) {
            for (String word : List.of("gold", "check", "reference")) assertFalse(body.toLowerCase().contains(word), body);
        }
    }

    private static Set<String> keys(String json) {
        Set<String> keys = new HashSet<>();
        try {
            dev.rlhfloop.contracts.Json.MAPPER.readTree(json).findParents("slot")
                    .forEach(n -> n.fieldNames().forEachRemaining(keys::add));
            dev.rlhfloop.contracts.Json.MAPPER.readTree(json).fieldNames().forEachRemaining(keys::add);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return keys;
    }

    private void vote(String comparisonId, String rater) {
        VoteEvent vote = VoteEvent.of(comparisonId, Choice.A, rater, null, Instant.now());
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.VOTES, comparisonId, vote, VoteEvent.class);
    }

    @Test
    void aComparisonOneRaterVotedOnIsShownToTheNextOtherRater() {
        // second showings are drawn only while two raters vote
        vote("warm-up-1", "ann");
        vote("warm-up-2", "bob");
        String marked = null;
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 100 && marked == null; i++) {
            made.add(create("ann").jsonPath().getString("id"));
            if (i % 10 == 9) {
                marked = generations(Set.copyOf(made)).entrySet().stream()
                        .filter(e -> e.getValue().get(0).check() != null && e.getValue().get(0).check().kind() == RaterCheck.Kind.SECOND_RATER)
                        .map(Map.Entry::getKey).findFirst().orElse(null);
            }
        }
        assertTrue(marked != null, "a comparison marked for a second rater among " + made.size());
        String id = marked;
        List<String> texts = given().get("/api/comparisons/" + id).jsonPath().getList("answers.text");
        vote(id, "ann");
        KafkaTestClient.await("ann's vote seen", WAIT, () ->
                given().get("/api/comparisons/" + id).jsonPath().getString("answers[0].modelVersion") != null);

        for (int i = 0; i < 5; i++) assertNotEquals(id, create("ann").jsonPath().getString("id"), "never to the rater who voted");
        Response forBob = create("bob");
        assertEquals(id, forBob.jsonPath().getString("id"));
        KafkaTestClient.await("the answers replayed", WAIT, () ->
                !given().get("/api/comparisons/" + id).jsonPath().getList("answers.done").contains(false));
        var view = given().get("/api/comparisons/" + id).jsonPath();
        assertEquals(texts, view.getList("answers.text"));
        assertNull(view.get("answers[0].modelVersion"), "versions hidden again until bob votes");
        assertNotEquals(id, create("cid").jsonPath().getString("id"), "shown to two raters, not three");
    }
}
