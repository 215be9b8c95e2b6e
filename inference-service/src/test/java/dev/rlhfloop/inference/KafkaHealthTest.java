package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.ReadinessFollowsTheBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;

/** Readiness follows the broker (the test is {@link ReadinessFollowsTheBroker}'s). */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class KafkaHealthTest extends ReadinessFollowsTheBroker {

    /** This service is the smoke route's first hop: it must read a ping back from Kafka and pass it on again. */
    @Override
    protected void worksAgainAfterTheBrokerReturned() {
        super.worksAgainAfterTheBrokerReturned();
        String id = given().post("/smoke").then().statusCode(202).extract().path("id");
        KafkaTestClient.await("the smoke ping relayed by inference-service", Duration.ofSeconds(30), () -> {
            List<String> hops = given().get("/smoke/" + id).then().statusCode(200).extract().path("hops");
            return hops.contains("inference-service");
        });
    }
}
