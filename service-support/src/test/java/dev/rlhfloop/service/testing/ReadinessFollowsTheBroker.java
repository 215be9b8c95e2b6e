package dev.rlhfloop.service.testing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue #2's promise for every service: readiness goes down while the broker is stopped (liveness
 * stays up: the process is fine, restarting it would not help) and comes back by itself once the
 * broker returns. A service's test extends this with {@code @QuarkusTest} and
 * {@code @WithTestResource(LocalKafkaTestResource.class)}, and overrides
 * {@link #worksAgainAfterTheBrokerReturned()} to show its Kafka work really resumed.
 *
 * <p>The broker restarts on the same port with the same data, so the module's other test classes,
 * which share it, find their topics and offsets again.
 */
public abstract class ReadinessFollowsTheBroker {
    /** The service's own check answers in ~2 s; reconnecting clients take longer. */
    private static final Duration GOES_DOWN = Duration.ofSeconds(30);
    private static final Duration COMES_BACK = Duration.ofSeconds(60);

    @InjectLocalKafka
    protected LocalKafka kafka;

    @Test
    public void readinessGoesDownWithTheBrokerAndRecoversWhenItReturns() {
        awaitReadiness(200, COMES_BACK);
        justBeforeTheBrokerStops();
        try {
            kafka.stop();
            awaitReadiness(503, GOES_DOWN);
            whileTheBrokerIsAway();
            pause(outage());
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            kafka.start();
        }
        awaitReadiness(200, COMES_BACK);
        worksAgainAfterTheBrokerReturned();
        given().get("/q/health/live").then().statusCode(200);
    }

    /** E.g. give the service work that is still in flight when the broker goes away. */
    protected void justBeforeTheBrokerStops() {
    }

    /** E.g. show that the service's Kafka-backed endpoints answer 503 with Retry-After instead of hanging. */
    protected void whileTheBrokerIsAway() {
    }

    /** How long the broker stays away once readiness is down; a service whose clients have timeouts to outlast says so. */
    protected Duration outage() {
        return Duration.ZERO;
    }

    /**
     * What the service does with Kafka, done again after the restart: readiness alone can be too
     * shallow. Here: a smoke ping is written and acknowledged by Kafka. Services add their own work.
     */
    protected void worksAgainAfterTheBrokerReturned() {
        KafkaTestClient.await("a smoke ping written to Kafka again", COMES_BACK, () -> given().post("/smoke").statusCode() == 202);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    protected static void awaitReadiness(int status, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int last = -1;
        String body = "";
        while (System.nanoTime() < deadline) {
            var answer = given().get("/q/health/ready");
            last = answer.statusCode();
            body = answer.asString();
            if (last == status) return;
            pause(Duration.ofMillis(250));
        }
        assertEquals(status, last, "readiness did not become " + status + " within " + timeout + "; last answer: " + body);
    }
}
