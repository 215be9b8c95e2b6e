package dev.rlhfloop.feedback;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Local mode against a real broker: a vote's rater is the session's, never the body's; no session, no vote. */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class SessionsKafkaTest {
    @InjectLocalKafka
    LocalKafka kafka;

    @Inject
    FeedbackStores stores;

    @Test
    void aVoteWithoutASessionIsRefusedWith401() {
        given().contentType(ContentType.JSON).body("{\"comparisonId\": \"cmp-none\", \"choice\": \"A\", \"rater\": \"mallory\"}")
                .post("/api/votes").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .body("error", equalTo("unauthorized")).body("reason", containsString("POST /api/session"));
        given().contentType(ContentType.JSON).header("Authorization", "Bearer rlhf1.r.mallory.9999999999.forged")
                .body("{\"comparisonId\": \"cmp-none\", \"choice\": \"A\"}")
                .post("/api/votes").then().statusCode(401).body("reason", containsString("not valid"));
    }

    @Test
    void anAnonymousSessionVotesUnderItsOwnRaterIdWhateverTheBodySays() {
        var opened = given().post("/api/session").then().statusCode(201)
                .body("raterId", matchesPattern("r-[0-9a-f]{16}"))
                .body("mode", equalTo("local"))
                .header("Set-Cookie", containsString("HttpOnly"))
                .header("Set-Cookie", containsString("SameSite=Strict"))
                .extract();
        String raterId = opened.path("raterId");
        String token = opened.path("token");
        given().header("Authorization", "Bearer " + token).get("/api/session").then().statusCode(200)
                .body("raterId", equalTo(raterId)).body("admin", equalTo(false));
        given().cookie("rlhf_session", token).get("/api/session").then().statusCode(200).body("raterId", equalTo(raterId));
        given().get("/api/session").then().statusCode(401);

        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-session", "base-9", "dpo-9");
        given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .body("{\"comparisonId\": \"cmp-session\", \"choice\": \"A\", \"rater\": \"someone-else\"}")
                .post("/api/votes").then().statusCode(202).body("voteId", equalTo(VoteEvent.idFor("cmp-session", raterId)));
        List<VoteEvent> votes = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.VOTES, VoteEvent.class,
                v -> v.stream().anyMatch(e -> e.comparisonId().equals("cmp-session")), Duration.ofSeconds(30), Duration.ofMillis(300));
        assertEquals(raterId, votes.stream().filter(e -> e.comparisonId().equals("cmp-session")).findFirst().orElseThrow().rater());
    }

    @Test
    void raterManagementIsForTheAdminOnly() {
        given().get("/api/raters").then().statusCode(401).body("error", equalTo("unauthorized"));
        given().header("Authorization", TestSessions.rater("alice")).get("/api/raters").then().statusCode(403)
                .body("error", equalTo("forbidden"));
        given().header("Authorization", TestSessions.admin()).get("/api/raters").then().statusCode(200);
        given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON).body("{\"name\": \"\"}")
                .post("/api/raters").then().statusCode(400).body("reason", containsString("name is missing"));
    }
}
