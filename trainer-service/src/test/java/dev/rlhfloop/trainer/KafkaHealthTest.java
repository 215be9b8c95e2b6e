package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Readiness follows the broker: down while it is stopped, up again by itself once it is back. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class KafkaHealthTest {
    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    void readinessGoesDownWithTheBrokerAndRecoversWhenItReturns() {
        awaitReadiness(200, Duration.ofSeconds(30));

        kafka.stop();
        awaitReadiness(503, Duration.ofSeconds(30));
        given().get("/q/health/live").then().statusCode(200);

        kafka.start();
        awaitReadiness(200, Duration.ofSeconds(60));
    }

    private static void awaitReadiness(int status, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = given().get("/q/health/ready").statusCode();
            if (last == status) return;
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
        assertEquals(status, last, "readiness did not become " + status + " within " + timeout);
    }
}
