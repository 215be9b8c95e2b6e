package dev.rlhfloop.feedback;

import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.postVote;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.statsOf;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.vote;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.RaterCheck;
import dev.rlhfloop.contracts.RaterReliability;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.Test;

/**
 * Rater checks against a real broker: gold comparisons make no pairs and no ratings but give each
 * rater an accuracy; comparisons shown to two raters make pairs only when both agree, and give
 * Cohen's kappa. The comparisons are marked as the inference service marks them, on their
 * generation events.
 */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class RaterQualityKafkaTest extends AnswersFitTheOpenApiDocument {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectLocalKafka
    LocalKafka kafka;

    @Inject
    FeedbackStores stores;

    private void publish(String comparisonId, String version, Function<Slot, RaterCheck> check) {
        for (Slot slot : Slot.values()) {
            var generation = GenerationEvent.of(comparisonId + "-" + slot, comparisonId, slot, "What is 3 plus 4?",
                    new Answer(slot == Slot.A ? "7" : "12", List.of(1, 2), version), new Sampling(0, 0, 1, 16, 0), 0)
                    .withCheck(check.apply(slot));
            KafkaTestClient.send(kafka.bootstrapServers(), Topics.GENERATIONS, comparisonId, generation, GenerationEvent.class);
        }
        // a rebalance on this busy machine may move the store for a moment: ask again
        KafkaTestClient.await("comparison " + comparisonId + " in the stores", WAIT, () -> {
            try {
                return stores.comparison(comparisonId).map(ComparisonState::complete).orElse(false);
            } catch (StoreQueries.NotReadyException | InvalidStateStoreException e) {
                return false;
            }
        });
    }

    private static JsonPath raterQuality() {
        var response = given().get("/api/stats");
        return response.statusCode() == 200 ? response.jsonPath().setRootPath("raterQuality") : new JsonPath("{}");
    }

    private Map<String, Long> pairsPerComparison(String prefix) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, PreferencePair.class, all -> false,
                        Duration.ofSeconds(2)).stream()
                .filter(p -> p.comparisonId().startsWith(prefix))
                .collect(Collectors.groupingBy(PreferencePair::comparisonId, Collectors.counting()));
    }

    @Test
    void goldVotesGiveEachRaterAnAccuracyAndNoPairsNorRatings() {
        // the reference answer in A, B, A
        publish("gold-1", "qa-gold", slot -> RaterCheck.gold(slot == Slot.A));
        publish("gold-2", "qa-gold", slot -> RaterCheck.gold(slot == Slot.B));
        publish("gold-3", "qa-gold", slot -> RaterCheck.gold(slot == Slot.A));
        postVote(vote("gold-1", "A", "qa-gil")).then().statusCode(202);
        postVote(vote("gold-2", "A", "qa-gil")).then().statusCode(202);
        postVote(vote("gold-3", "TIE", "qa-gil")).then().statusCode(202);
        postVote(vote("gold-1", "A", "qa-gus")).then().statusCode(202);

        KafkaTestClient.await("the gold votes counted", WAIT, () -> {
            var gold = raterQuality().getList("gold.findAll { it.rater.startsWith('qa-g') }.votes");
            return gold != null && gold.size() == 2 && gold.stream().mapToLong(v -> ((Number) v).longValue()).sum() == 4;
        });
        JsonPath quality = raterQuality();
        assertEquals(3, quality.getInt("gold.find { it.rater == 'qa-gil' }.votes"));
        assertEquals(1, quality.getInt("gold.find { it.rater == 'qa-gil' }.correct"));
        assertEquals(1.0 / 3, quality.getDouble("gold.find { it.rater == 'qa-gil' }.accuracy.rate"), 1e-6);
        assertEquals(1, quality.getInt("gold.find { it.rater == 'qa-gus' }.correct"));
        assertEquals(1.0, quality.getDouble("gold.find { it.rater == 'qa-gus' }.accuracy.rate"), 1e-6);

        // reliability (docs/loop.md): r = (3 + passed) / (4 + checks), weight = max(0, 2r - 1) / 0.5
        assertEquals(4.0 / 7, quality.getDouble("reliability.find { it.rater == 'qa-gil' }.reliability"), 1e-6);
        assertEquals(2.0 / 7, quality.getDouble("reliability.find { it.rater == 'qa-gil' }.weight"), 1e-6);
        assertEquals(1.2, quality.getDouble("reliability.find { it.rater == 'qa-gus' }.weight"), 1e-6);
        // and the trainer reads the same from the compacted topic, the latest record per rater
        List<RaterReliability> published = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.RATER_RELIABILITY,
                RaterReliability.class, all -> all.stream().anyMatch(r -> r.rater().equals("qa-gil") && r.checks() == 3), WAIT);
        RaterReliability gil = published.stream().filter(r -> r.rater().equals("qa-gil")).reduce((a, b) -> b).orElseThrow();
        assertEquals(1, gil.passed());
        assertEquals(2.0 / 7, gil.weight(), 1e-9);

        assertEquals(Map.of(), pairsPerComparison("gold-"), "gold votes make no pairs");
        assertNull(statsOf("qa-gold"), "gold votes count for no version");
        assertTrue(given().get("/api/stats").jsonPath().getList("leaderboard.version").stream().noneMatch("qa-gold"::equals));
    }

    @Test
    void twoRatersOnTheSameComparisonsMakePairsOnlyWhenTheyAgreeAndAKappa() {
        // first vote (qa-ann) and second (qa-bob) per comparison; by hand: 4 of 6 agree, chance agreement
        // (3·3 + 2·2 + 1·1) / 36 = 14/36, kappa = (24/36 - 14/36) / (1 - 14/36) = 10/22
        String[][] choices = {{"A", "A"}, {"A", "A"}, {"B", "B"}, {"A", "B"}, {"B", "A"}, {"TIE", "TIE"}};
        for (int i = 0; i < choices.length; i++) {
            String id = "twice-" + i;
            publish(id, "qa-twice", slot -> RaterCheck.SECOND_RATER);
            postVote(vote(id, choices[i][0], "qa-ann")).then().statusCode(202);
            postVote(vote(id, choices[i][1], "qa-bob")).then().statusCode(202);
        }
        KafkaTestClient.await("six agreements counted", WAIT, () ->
                Integer.valueOf(6).equals(raterQuality().get("agreement.pairs.find { it.raterA == 'qa-ann' }.comparisons")));
        JsonPath quality = raterQuality();
        assertEquals("qa-bob", quality.getString("agreement.pairs.find { it.raterA == 'qa-ann' }.raterB"));
        assertEquals(4, quality.getInt("agreement.pairs.find { it.raterA == 'qa-ann' }.agreed"));
        assertEquals(10.0 / 22, quality.getDouble("agreement.pairs.find { it.raterA == 'qa-ann' }.kappa"), 1e-6);
        // only this test shows comparisons twice: the overall figure is the same one
        assertEquals(6, quality.getInt("agreement.comparisons"));
        assertEquals(10.0 / 22, quality.getDouble("agreement.kappa"), 1e-6);
        // each of the two passed 4 of 6 agreement checks: r = 7/10, weight = 0.8
        assertEquals(0.8, quality.getDouble("reliability.find { it.rater == 'qa-ann' }.weight"), 1e-6);
        assertEquals(6, quality.getInt("reliability.find { it.rater == 'qa-bob' }.checks"));

        // both agreeing decisive votes make their pair; a split makes none, and so does a tie
        assertEquals(Map.of("twice-0", 2L, "twice-1", 2L, "twice-2", 2L), pairsPerComparison("twice-"));
        assertEquals(12, ((Number) statsOf("qa-twice").get("votes")).intValue(), "both votes count in the version's figures");
    }
}
