package dev.rlhfloop.feedback;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.TestSessions;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Team mode (RLHF_AUTH=invite) against a real broker: only an invite opens a session, a revocation
 * closes it, and a new directory instance (a restart, or another instance) reads both back from Kafka.
 */
@QuarkusTest
@TestProfile(InviteModeKafkaTest.InviteMode.class)
@WithTestResource(LocalKafkaTestResource.class)
class InviteModeKafkaTest {
    public static class InviteMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.auth", "invite");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    void onlyInvitedRatersGetASessionAndARevokedOneLosesIt() {
        given().post("/api/session").then().statusCode(401).body("reason", containsString("invite-only"));
        given().contentType(ContentType.JSON).body("{\"invite\": \"guessed-code\"}").post("/api/session").then().statusCode(401);
        given().header("Authorization", TestSessions.rater("alice")).contentType(ContentType.JSON).body("{\"name\": \"Ada\"}")
                .post("/api/raters").then().statusCode(403);

        var invited = given().header("Authorization", TestSessions.admin()).contentType(ContentType.JSON).body("{\"name\": \"Ada\"}")
                .post("/api/raters").then().statusCode(201)
                .body("name", equalTo("Ada")).body("invitePath", startsWith("/?invite=")).extract();
        String raterId = invited.path("raterId");
        String code = invited.<String>path("invitePath").substring("/?invite=".length());

        String token = given().contentType(ContentType.JSON).body("{\"invite\": \"" + code + "\"}").post("/api/session")
                .then().statusCode(201).body("raterId", equalTo(raterId)).body("name", equalTo("Ada")).body("mode", equalTo("invite"))
                .extract().path("token");
        given().header("Authorization", "Bearer " + token).get("/api/session").then().statusCode(200).body("raterId", equalTo(raterId));

        given().header("Authorization", TestSessions.admin()).delete("/api/raters/" + raterId).then().statusCode(200)
                .body("revokedAt", org.hamcrest.Matchers.notNullValue());
        given().contentType(ContentType.JSON).body("{\"invite\": \"" + code + "\"}").post("/api/session").then().statusCode(403);
        given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token)
                .body("{\"comparisonId\": \"cmp-x\", \"choice\": \"A\"}").post("/api/votes").then().statusCode(401)
                .body("reason", containsString("revoked"));

        // A restart: a fresh directory knows the rater, its invite and its revocation from the topic alone.
        RaterDirectory restarted = new RaterDirectory();
        restarted.bootstrapServers = kafka.bootstrapServers();
        restarted.loadTimeout = Duration.ofSeconds(30);
        restarted.start(null);
        try {
            restarted.awaitLoaded();
            Rater known = restarted.byInvite(code).orElseThrow();
            assertEquals(raterId, known.raterId());
            assertEquals("Ada", known.name());
            assertTrue(known.isRevoked());
        } finally {
            restarted.stop(null);
        }
    }
}
