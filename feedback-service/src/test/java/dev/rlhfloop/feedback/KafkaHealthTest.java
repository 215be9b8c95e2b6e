package dev.rlhfloop.feedback;

import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.postVote;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.statsOf;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.testing.ReadinessFollowsTheBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/** Readiness follows the broker (the test is {@link ReadinessFollowsTheBroker}'s), and so do the Kafka Streams statistics. */
@QuarkusTest
@WithTestResource(LocalKafkaTestResource.class)
class KafkaHealthTest extends ReadinessFollowsTheBroker {
    @Inject
    FeedbackStores stores;

    @Inject
    KafkaStreams streams;

    /** Longer than the Streams consumer's session timeout and the EOS transaction timeout (10 s each): an outage, not a blip. */
    @Override
    protected Duration outage() {
        return Duration.ofSeconds(15);
    }

    /** Answers the topology is likely still joining (in an open transaction) when the broker goes away. */
    @Override
    protected void justBeforeTheBrokerStops() {
        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-during-outage", "before-restart", "during-outage");
        FeedbackServiceKafkaTest.publishAnswers(kafka, "cmp-in-flight", "before-restart", "in-flight");
    }

    /** A vote the broker cannot take is a prompt 503 the client can act on: never a hang, never a 500. */
    @Override
    protected void whileTheBrokerIsAway() {
        long start = System.nanoTime();
        var refused = postVote(vote("cmp-during-outage", "A", "rita"));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(503, refused.statusCode(), refused.asString());
        assertEquals(String.valueOf(ApiError.RETRY_AFTER_SECONDS), refused.header("Retry-After"));
        assertTrue(tookMs < 8_000, "the refusal took " + tookMs + " ms; the test delivery timeout is 4 s");
    }

    /**
     * Right after the broker returns, a vote may still get the documented 503 + Retry-After (the
     * producer reconnecting, the stores restoring): as a client does, retry after the time it names;
     * within a minute the vote must be taken.
     */
    private static void voteResumes(String json) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        var answer = postVote(json);
        while (answer.statusCode() == 503 && System.nanoTime() < deadline) {
            assertEquals(String.valueOf(ApiError.RETRY_AFTER_SECONDS), answer.header("Retry-After"), answer.asString());
            try {
                Thread.sleep(1000L * ApiError.RETRY_AFTER_SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            answer = postVote(json);
        }
        assertEquals(202, answer.statusCode(), answer.asString());
    }

    /** Ready is not enough: the topology must finish what was in flight, join new answers and count new votes. */
    @Override
    protected void worksAgainAfterTheBrokerReturned() {
        super.worksAgainAfterTheBrokerReturned();
        FeedbackServiceKafkaTest.awaitComparison(stores, "cmp-in-flight");
        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-after-restart", "before-restart", "after-restart");
        voteResumes(vote("cmp-in-flight", "B", "rita"));
        voteResumes(vote("cmp-after-restart", "B", "rita"));
        KafkaTestClient.await("both votes cast after the restart counted", Duration.ofSeconds(60), () -> {
            Map<String, Object> inFlight = statsOf("in-flight");
            Map<String, Object> after = statsOf("after-restart");
            return inFlight != null && after != null
                    && ((Number) inFlight.get("wins")).intValue() == 1 && ((Number) after.get("wins")).intValue() == 1;
        });
        assertEquals(KafkaStreams.State.RUNNING, streams.state());
    }
}
