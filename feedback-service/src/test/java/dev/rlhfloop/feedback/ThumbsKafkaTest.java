package dev.rlhfloop.feedback;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Thumbs on single answers against a real broker: over HTTP in, on rlhf.thumbs out with the answer they rate, once per rater and answer. */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class ThumbsKafkaTest extends AnswersFitTheOpenApiDocument {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectLocalKafka
    LocalKafka kafka;

    @Inject
    FeedbackStores stores;

    private static ValidatableResponse thumbs(String comparisonId, String slot, String body, String authorization) {
        var request = given().contentType(ContentType.JSON).body(body);
        if (authorization != null) request = request.header("Authorization", authorization);
        return request.when().post("/api/thumbs/" + comparisonId + "/" + slot).then();
    }

    @Test
    void anAnswerRatedAloneIsOnTheThumbsTopicOncePerRater() {
        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-thumbs", "sft-0", "dpo-1");
        String ada = TestSessions.rater("ada");

        thumbs("cmp-thumbs", "b", "{\"thumb\": \"down\"}", ada).statusCode(202)
                .body("slot", equalTo("B")).body("thumb", equalTo("DOWN")).body("modelVersion", org.hamcrest.Matchers.nullValue())
                .body("duplicate", equalTo(false));
        thumbs("cmp-thumbs", "A", "{\"thumb\": \"UP\"}", ada).statusCode(202).body("duplicate", equalTo(false));
        thumbs("cmp-thumbs", "A", "{\"thumb\": \"UP\"}", TestSessions.rater("bo")).statusCode(202).body("duplicate", equalTo(false));
        // Ada's second thumbs on B, once the stores have her first: the first counts, nothing new is stored.
        KafkaTestClient.await("ada's thumbs in the stores", WAIT, () -> {
            try {
                return stores.comparison("cmp-thumbs").flatMap(s -> s.thumbsFrom("ada", Slot.B)).isPresent();
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                return false;   // rebalancing
            }
        });
        thumbs("cmp-thumbs", "B", "{\"thumb\": \"UP\"}", ada).statusCode(202)
                .body("duplicate", equalTo(true)).body("thumb", equalTo("DOWN"))
                .body("thumbsId", equalTo(ThumbsEvent.idFor("cmp-thumbs", Slot.B, "ada")));

        // the test classes with the same broker share it: this test's thumbs are those on its comparison
        java.util.function.Function<List<ThumbsEvent>, List<ThumbsEvent>> mine = all -> all.stream()
                .filter(e -> e.comparisonId().equals("cmp-thumbs")).toList();
        List<ThumbsEvent> events = mine.apply(KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.THUMBS, ThumbsEvent.class,
                e -> mine.apply(e).size() >= 3, WAIT, Duration.ofMillis(300)));
        assertEquals(3, events.size(), events.toString());
        ThumbsEvent down = events.stream().filter(e -> e.slot() == Slot.B).findFirst().orElseThrow();
        assertEquals(false, down.up());
        assertEquals("ada", down.rater());
        assertEquals("Name a farm animal.", down.prompt());
        assertEquals(" The sky.", down.answer().text());
        assertEquals(List.of(1, 2, 3), down.answer().tokenIds());
        assertEquals("cmp-thumbs", down.key());
    }

    @Test
    void aThumbsNeedsASessionAKnownAnswerAndAThumb() {
        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-thumbs-refused", "sft-0", "dpo-1");
        thumbs("cmp-thumbs-refused", "A", "{\"thumb\": \"UP\"}", null).statusCode(401).body("error", equalTo("unauthorized"));
        String rater = TestSessions.rater("cy");
        thumbs("no-such-comparison", "A", "{\"thumb\": \"UP\"}", rater).statusCode(404)
                .body("error", equalTo("not_found")).body("reason", containsString("unknown comparison no-such-comparison"));
        thumbs("cmp-thumbs-refused", "C", "{\"thumb\": \"UP\"}", rater).statusCode(400)
                .body("reason", containsString("slot must be A or B"));
        thumbs("cmp-thumbs-refused", "A", "{}", rater).statusCode(400).body("reason", containsString("UP or DOWN"));
        thumbs("cmp-thumbs-refused", "A", "{\"thumb\": \"sideways\"}", rater).statusCode(400).body("error", equalTo("bad_request"));
    }
}
