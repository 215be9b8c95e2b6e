package dev.rlhfloop.inference;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.PrometheusScrape;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.ComparisonIds;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.model.Gpt;
import io.quarkus.test.common.WithTestResource;
import jakarta.inject.Inject;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The service against a real broker: tiny models announced on rlhf.model-versions with file: URLs,
 * comparisons streamed over SSE, generation events on rlhf.generations, hot-loading and rejection.
 * The methods run in order: the service starts with no model.
 */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceServiceKafkaTest extends AnswersFitTheOpenApiDocument {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static Path work;

    @InjectLocalKafka
    LocalKafka kafka;

    @TestHTTPResource("/api/comparisons")
    URL comparisonsUrl;

    @BeforeAll
    static void workDir() throws IOException {
        work = Files.createTempDirectory("inference-test");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void announce(ModelVersion version) {
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, version.key(), version, ModelVersion.class);
    }

    private static JsonPath create(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/comparisons")
                .then().statusCode(201).extract().jsonPath();
    }

    /** The version writing new comparisons, read off their generation events. */
    private Set<String> versionsOf(String comparisonId) {
        List<GenerationEvent> events = generationsOf(comparisonId);
        return events.stream().map(e -> e.answer().modelVersion()).collect(Collectors.toSet());
    }

    private List<GenerationEvent> generationsOf(String comparisonId) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> e.comparisonId().equals(comparisonId)).count() == 2, WAIT)
                .stream().filter(e -> e.comparisonId().equals(comparisonId)).toList();
    }

    private record SseEvent(String name, JsonNode data) {}

    /** Reads the SSE stream of a comparison to its end (the service closes it after both answers). */
    private List<SseEvent> events(String comparisonId) throws Exception {
        return readEvents(HttpRequest.newBuilder(URI.create(comparisonsUrl + "/" + comparisonId + "/events"))
                .header("Accept", "text/event-stream").timeout(WAIT).GET().build());
    }

    private static List<SseEvent> readEvents(HttpRequest request) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = HttpClient.newHttpClient()
                .send(request, HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<SseEvent> events = new ArrayList<>();
        String name = null;
        StringBuilder data = new StringBuilder();
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (line.startsWith("event:")) name = line.substring(6).strip();
            else if (line.startsWith("data:")) data.append(line.substring(5).strip());
            else if (line.isEmpty() && name != null) {
                events.add(new SseEvent(name, Json.MAPPER.readTree(data.toString())));
                name = null;
                data.setLength(0);
            }
        }
        return events;
    }

    /** Per slot: tokens, then exactly one done whose text is the tokens joined (when any were streamed); nothing after. */
    private static Map<String, String> checkOrder(List<SseEvent> events) {
        Map<String, StringBuilder> streamed = new HashMap<>();
        Map<String, String> done = new HashMap<>();
        for (SseEvent event : events) {
            String slot = event.data().get("slot").asText();
            assertFalse(done.containsKey(slot), "event after done for slot " + slot + ": " + event);
            switch (event.name()) {
                case "token" -> streamed.computeIfAbsent(slot, s -> new StringBuilder()).append(event.data().get("text").asText());
                case "done" -> done.put(slot, event.data().get("text").asText());
                default -> throw new AssertionError("unexpected event " + event);
            }
        }
        assertEquals(Set.of("A", "B"), done.keySet(), "one done per slot: " + events);
        streamed.forEach((slot, text) -> assertEquals(done.get(slot), text.toString(), "slot " + slot + " tokens vs done"));
        return done;
    }

    @Test
    @Order(1)
    void withoutAModelComparisonsAreRefusedWithAReason() {
        given().contentType(ContentType.JSON).body("{}").when().post("/api/comparisons")
                .then().statusCode(503)
                .body("error", equalTo("no_model"))
                .body("reason", containsString("no model version has been published"));
    }

    @Test
    @Order(2)
    void streamsBothAnswersAndPublishesOneGenerationEventEach() throws Exception {
        announce(TinyModels.packed(work, "v1", 1, "live"));
        KafkaTestClient.await("v1 to be served", WAIT, () ->
                given().contentType(ContentType.JSON).body("{}").post("/api/comparisons").statusCode() == 201);

        JsonPath created = create("{\"prompt\": \"Name an animal that lives on a farm.\"}");
        String id = created.getString("id");
        assertEquals("Name an animal that lives on a farm.", created.getString("prompt"));
        assertEquals(List.of("A", "B"), created.getList("answers.slot"));
        List<String> generationIds = created.getList("answers.generationId");
        assertNotEquals(generationIds.get(0), generationIds.get(1));
        // The id names this instance, as every answer's header does: the gateway sends the comparison's reads to it.
        String instance = given().get("/q/health").getHeader(ComparisonIds.INSTANCE_HEADER);
        assertEquals(java.util.Optional.of(instance), ComparisonIds.owner(id), id);

        Map<String, String> texts = checkOrder(events(id));

        JsonPath snapshot = given().get("/api/comparisons/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(true, true), snapshot.getList("answers.done"));
        assertEquals(texts.get("A"), snapshot.getString("answers[0].text"));
        assertEquals(List.of(), snapshot.getList("answers.findAll { it.modelVersion != null }"), "versions hidden before a vote");

        // a client connecting late gets the finished answers
        assertEquals(texts, checkOrder(events(id)));

        List<GenerationEvent> generations = generationsOf(id);
        assertEquals(2, generations.size());
        assertNotEquals(generations.get(0).sampling().seed(), generations.get(1).sampling().seed());
        for (GenerationEvent g : generations) {
            assertEquals(generationIds.get(g.slot() == Slot.A ? 0 : 1), g.generationId());
            assertEquals("Name an animal that lives on a farm.", g.prompt());
            assertEquals(texts.get(g.slot().name()), g.answer().text());
            assertEquals("v1", g.answer().modelVersion());
            assertFalse(g.answer().tokenIds().isEmpty());
            assertTrue(g.answer().tokenIds().size() <= 48);
            assertTrue(g.sequenceLogProb() < 0, "log-prob " + g.sequenceLogProb());
            assertEquals(0.8, g.sampling().temperature(), 1e-6);
            assertEquals(40, g.sampling().topK());
            assertEquals(48, g.sampling().maxNewTokens());
        }

        // a vote reveals the versions
        VoteEvent vote = VoteEvent.of(id, Choice.A, "rater-test", null, Instant.now());
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.VOTES, id, vote, VoteEvent.class);
        KafkaTestClient.await("the vote to reveal the versions", WAIT, () ->
                "v1".equals(given().get("/api/comparisons/" + id).jsonPath().getString("answers[0].modelVersion")));
        given().get("/api/comparisons/" + id).then().body("answers[1].modelVersion", equalTo("v1"));
    }

    @Test
    @Order(3)
    void aPromptFromThePoolWhenNoneIsGiven() throws Exception {
        JsonPath created = create("{}");
        assertFalse(created.getString("prompt").isBlank());
        checkOrder(events(created.getString("id")));
        assertEquals(created.getString("prompt"), generationsOf(created.getString("id")).get(0).prompt());
        // no body at all works the same
        given().contentType(ContentType.JSON).when().post("/api/comparisons").then().statusCode(201)
                .body("prompt", not(emptyOrNullString())).body("answers", hasSize(2));
    }

    @Test
    @Order(4)
    void hotLoadsANewVersionAndRejectsACorruptOne() throws Exception {
        announce(TinyModels.packed(work, "v2", 2, "live"));
        KafkaTestClient.await("v2 to be served", WAIT, () -> {
            String id = create("{\"prompt\": \"Which animal barks?\"}").getString("id");
            return versionsOf(id).equals(Set.of("v2"));
        });

        // a version of another line is not served
        announce(TinyModels.packed(work, "replay-1", 3, "replay"));
        // a version whose archive does not match its sha256 is rejected; v2 keeps serving
        ModelVersion good = TinyModels.packed(work, "v3", 3, "live");
        announce(TinyModels.announce("v3", "live", good.weights().url(), "0".repeat(64)));
        // a version whose URL leads nowhere is rejected too
        announce(TinyModels.announce("v4", "live", work.resolve("missing.zip").toUri().toString(), good.weights().sha256()));
        // the marker: a good version after the bad ones, so we know they were processed
        announce(TinyModels.packed(work, "v5", 5, "live"));
        KafkaTestClient.await("v5 to be served", WAIT, () -> {
            String id = create("{\"prompt\": \"Which animal barks?\"}").getString("id");
            Set<String> versions = versionsOf(id);
            assertFalse(versions.contains("v3") || versions.contains("v4") || versions.contains("replay-1"),
                    "served a rejected or foreign version: " + versions);
            return versions.equals(Set.of("v5"));
        });
    }

    @Test
    @Order(5)
    void badInputGetsA400WithAReason() {
        given().contentType(ContentType.JSON).body("{\"prompt\": 42}").post("/api/comparisons")
                .then().statusCode(400).body("error", equalTo("bad_request")).body("reason", startsWith("prompt: "));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"  \"}").post("/api/comparisons")
                .then().statusCode(400).body("reason", containsString("blank"));
        given().contentType(ContentType.JSON).body("{\"prompt\": ").post("/api/comparisons")
                .then().statusCode(400).body("error", equalTo("bad_request")).body("reason", containsString("malformed JSON"));
        given().contentType(ContentType.JSON).body("[1]").post("/api/comparisons")
                .then().statusCode(400).body("reason", containsString("JSON object"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"" + "x".repeat(2001) + "\"}").post("/api/comparisons")
                .then().statusCode(400).body("reason", containsString("at most 2000"));
        String longPrompt = "The cow lives on the farm and eats grass all day long. ".repeat(30);
        given().contentType(ContentType.JSON).body("{\"prompt\": \"" + longPrompt + "\"}").post("/api/comparisons")
                .then().statusCode(400).body("reason", containsString("too long"));
        given().get("/api/comparisons/nope").then().statusCode(404).body("error", equalTo("not_found"));
        given().get("/api/comparisons/nope/events").then().statusCode(404).body("error", equalTo("not_found"));
    }

    /** Runs after the hot-loads above: v1, v2 and v5 loaded, v3 and v4 rejected, v5 served. */
    @Test
    @Order(6)
    void metricsCountComparisonsTokensAndHotLoads() throws Exception {
        PrometheusScrape before = PrometheusScrape.fetch();
        before.assertHasEveryMeterOf("inference-service");
        String load = OperatorMeter.MODEL_LOAD.prometheusName() + "_count";
        assertTrue(before.sum(load, Map.of("outcome", "loaded")) >= 3, before.text());
        assertTrue(before.sum(load, Map.of("outcome", "rejected")) >= 2, before.text());
        String served = OperatorMeter.MODEL_SERVED.prometheusName();
        assertEquals(List.of(new PrometheusScrape.Sample(served, Map.of("role", "current", "version", "v5"), 1)),
                before.samples(served, Map.of("role", "current")));
        assertEquals("histogram", before.typeOf(OperatorMeter.TIME_TO_FIRST_TOKEN.prometheusName()));

        String id = create("{\"prompt\": \"Which animal gives milk?\"}").getString("id");
        Map<String, String> texts = checkOrder(events(id));
        List<GenerationEvent> generations = generationsOf(id);

        PrometheusScrape after = PrometheusScrape.fetch();
        String created = OperatorMeter.COMPARISONS_CREATED.prometheusName();
        assertEquals(before.sum(created, Map.of()) + 1, after.sum(created, Map.of()));
        String tokens = OperatorMeter.TOKENS_GENERATED.prometheusName();
        int sampled = generations.stream().mapToInt(g -> g.answer().tokenIds().size()).sum();
        assertEquals(before.sum(tokens, Map.of()) + sampled, after.sum(tokens, Map.of()));
        // an answer's first streamed text is timed once; an answer that ends before any text has none
        String firstToken = OperatorMeter.TIME_TO_FIRST_TOKEN.prometheusName();
        long withText = texts.values().stream().filter(t -> !t.isEmpty()).count();
        assertEquals(before.sum(firstToken + "_count", Map.of()) + withText, after.sum(firstToken + "_count", Map.of()));
        assertTrue(after.sum(firstToken + "_sum", Map.of()) > before.sum(firstToken + "_sum", Map.of()) || withText == 0);
    }

    @Inject
    ModelRegistry registry;

    /**
     * A LoRA version hot-loads over its resident base without reading the base again: it shares the
     * base's weights, answers comparisons, computes what base + adapter merged computes, and the
     * versions before it stay resident. An adapter whose base the registry does not know is rejected.
     */
    @Test
    @Order(7)
    void hotLoadsALoraVersionOverItsResidentBase() throws Exception {
        announce(TinyModels.adapter(work, "lora-6", "v5", 5, 66, "live"));
        KafkaTestClient.await("lora-6 to be served", WAIT, () -> versionsOf(create("{\"prompt\": \"Which animal barks?\"}").getString("id"))
                .equals(Set.of("lora-6")));
        ServedModel adapter = registry.find("lora-6").orElseThrow();
        ServedModel base = registry.find("v5").orElseThrow(() -> new AssertionError("the base stays resident: " + registry.versionsByRole()));
        assertSame(base.gpt().parameters().get(0), adapter.gpt().parameters().get(0), "the adapter shares its base's weights");
        assertSame(base.tokenizer(), adapter.tokenizer());

        int[] prompt = base.tokenizer().encode("Which animal barks?");
        float[] served = adapter.gpt().forwardCached(adapter.gpt().newCache(), prompt).clone();
        Gpt merged = TinyModels.merged(work, "lora-6", 5);
        float[] expected = merged.forwardCached(merged.newCache(), prompt).clone();
        float[] plain = base.gpt().forwardCached(base.gpt().newCache(), prompt).clone();
        double fromMerged = 0;
        double fromBase = 0;
        for (int i = 0; i < served.length; i++) {
            fromMerged = Math.max(fromMerged, Math.abs(served[i] - expected[i]));
            fromBase = Math.max(fromBase, Math.abs(served[i] - plain[i]));
        }
        assertTrue(fromMerged < 1e-4, "base + adapter = the merged model: max difference " + fromMerged);
        assertTrue(fromBase > 1e-2, "the adapter changes the base's answers: max difference " + fromBase);

        announce(TinyModels.adapter(work, "lora-7", "nope", 5, 77, "live"));
        announce(TinyModels.adapter(work, "lora-8", "v5", 5, 88, "live"));
        KafkaTestClient.await("lora-8 to be served", WAIT, () -> registry.hasModel() && registry.current().versionId().equals("lora-8"));
        assertTrue(registry.find("lora-7").isEmpty(), "an adapter over an unknown base is rejected");
        assertEquals(List.of("lora-8", "lora-6", "v5", "v2"), registry.resident().stream().map(ServedModel::versionId).limit(4).toList(),
                "the last four versions stay resident");
        assertTrue(registry.find("v1").isPresent() || registry.resident().size() == 4, "and the baseline when there is one");
    }

    /** Both answers of {@code id}, streamed to their end, by slot. */
    private Map<String, String> answersOf(String id) throws Exception {
        return checkOrder(events(id));
    }

    /**
     * Three turns: each follow-up is a comparison of its own on this instance whose answers had their
     * own side's conversation in context (the oldest turns left out when they did not fit, as the API
     * says), and whose generation events carry that history.
     */
    @Test
    @Order(8)
    void aComparisonGoesOnForThreeTurnsEachSideWithItsOwnHistory() throws Exception {
        List<String> prompts = List.of("Name an animal that lives on a farm.", "Which one gives milk?", "What does it eat?");
        String id = create("{\"prompt\": \"" + prompts.get(0) + "\"}").getString("id");
        Map<String, List<dev.rlhfloop.contracts.Turn>> sides = Map.of("A", new ArrayList<>(), "B", new ArrayList<>());
        Map<String, String> texts = answersOf(id);
        for (int turn = 2; turn <= 3; turn++) {
            String previous = id;
            String prompt = prompts.get(turn - 1);
            for (String slot : List.of("A", "B")) sides.get(slot).add(new dev.rlhfloop.contracts.Turn(prompts.get(turn - 2), texts.get(slot)));
            JsonPath next = given().contentType(ContentType.JSON).body(Map.of("prompt", prompt))
                    .post("/api/comparisons/" + previous + "/turns").then().statusCode(201).extract().jsonPath();
            id = next.getString("id");
            assertNotEquals(previous, id);
            assertEquals(ComparisonIds.owner(previous), ComparisonIds.owner(id), "the follow-up lives on the same instance");
            assertEquals(turn, next.getInt("turn"));
            assertEquals(previous, next.getString("previousId"));
            assertEquals(prompt, next.getString("prompt"));
            assertEquals(turn - 1, next.getList("history").size());
            assertEquals(prompts.get(turn - 2), next.getString("history[" + (turn - 2) + "].prompt"));
            assertEquals(texts.get("A"), next.getString("history[" + (turn - 2) + "].a"));
            assertEquals(texts.get("B"), next.getString("history[" + (turn - 2) + "].b"));
            texts = answersOf(id);
            JsonPath view = given().get("/api/comparisons/" + id).then().statusCode(200).extract().jsonPath();
            assertEquals(turn, view.getInt("turn"));
            for (GenerationEvent g : generationsOf(id)) {
                List<dev.rlhfloop.contracts.Turn> whole = sides.get(g.slot().name());
                int dropped = view.getInt("answers[" + g.slot().ordinal() + "].droppedTurns");
                assertEquals(whole.subList(dropped, whole.size()), g.history(), "slot " + g.slot() + " of turn " + turn);
                assertEquals(prompt, g.prompt());
            }
        }
        given().contentType(ContentType.JSON).body("{\"prompt\": \" \"}").post("/api/comparisons/" + id + "/turns")
                .then().statusCode(400).body("error", equalTo("bad_request"));
        given().contentType(ContentType.JSON).body("{}").post("/api/comparisons/" + id + "/turns")
                .then().statusCode(400).body("reason", startsWith("prompt"));
        given().contentType(ContentType.JSON).body("{\"prompt\": \"And?\"}").post("/api/comparisons/nope/turns")
                .then().statusCode(404).body("error", equalTo("not_found"));
    }

    /** Chat with one version: the answer streams after a start event naming the version; a conversation can then go to rating. */
    @Test
    @Order(9)
    void chatStreamsOneVersionsAnswerAndAConversationCanBeSentToRating() throws Exception {
        JsonPath versions = given().get("/api/chat/versions").then().statusCode(200).extract().jsonPath();
        String latest = registry.current().versionId();
        assertEquals(latest, versions.getString("latest"));
        assertEquals(registry.resident().stream().map(ServedModel::versionId).toList(), versions.getList("versions"));

        List<Map<String, String>> history = List.of(Map.of("prompt", "Name an animal.", "answer", "A cow."),
                Map.of("prompt", "Where does it live?", "answer", "On a farm."));
        String body = Json.MAPPER.writeValueAsString(Map.of("version", "v5", "history", history, "prompt", "What does it eat?"));
        List<SseEvent> events = readEvents(HttpRequest.newBuilder(URI.create(comparisonsUrl.toString().replace("/comparisons", "/chat")))
                .header("Content-Type", "application/json").header("Accept", "text/event-stream").timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals("start", events.get(0).name());
        assertEquals("v5", events.get(0).data().get("version").asText());
        assertEquals(0, events.get(0).data().get("droppedTurns").asInt(), "two short turns fit");
        SseEvent done = events.get(events.size() - 1);
        assertEquals("done", done.name());
        StringBuilder streamed = new StringBuilder();
        events.subList(1, events.size() - 1).forEach(e -> {
            assertEquals("token", e.name());
            streamed.append(e.data().get("text").asText());
        });
        if (!streamed.isEmpty()) assertEquals(done.data().get("text").asText(), streamed.toString());

        given().contentType(ContentType.JSON).body(Map.of("version", "v99", "prompt", "Hi")).post("/api/chat")
                .then().statusCode(400).body("reason", containsString("v99"));
        given().contentType(ContentType.JSON).body(Map.of("prompt", "")).post("/api/chat")
                .then().statusCode(400).body("reason", startsWith("prompt"));

        // the conversation sent to rating: both sides continue it
        JsonPath rated = given().contentType(ContentType.JSON).body(Map.of("history", history, "prompt", "What does it eat?"))
                .post("/api/comparisons").then().statusCode(201).extract().jsonPath();
        assertEquals(3, rated.getInt("turn"));
        assertEquals("A cow.", rated.getString("history[0].a"));
        assertEquals("A cow.", rated.getString("history[0].b"));
        answersOf(rated.getString("id"));
        for (GenerationEvent g : generationsOf(rated.getString("id"))) {
            assertEquals(List.of(new dev.rlhfloop.contracts.Turn("Name an animal.", "A cow."),
                    new dev.rlhfloop.contracts.Turn("Where does it live?", "On a farm.")), g.history());
        }
    }
}
