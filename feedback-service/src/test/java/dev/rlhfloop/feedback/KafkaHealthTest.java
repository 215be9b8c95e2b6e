package dev.rlhfloop.feedback;

import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.postVote;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.statsOf;
import static dev.rlhfloop.feedback.FeedbackServiceKafkaTest.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
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

    /** Ready is not enough: the topology must join new answers and count a new vote again. */
    @Override
    protected void worksAgainAfterTheBrokerReturned() {
        super.worksAgainAfterTheBrokerReturned();
        FeedbackServiceKafkaTest.publishComparison(kafka, stores, "cmp-after-restart", "before-restart", "after-restart");
        postVote(vote("cmp-after-restart", "B", "rita")).then().statusCode(202);
        KafkaTestClient.await("the vote cast after the restart counted", Duration.ofSeconds(60), () -> {
            Map<String, Object> after = statsOf("after-restart");
            return after != null && ((Number) after.get("wins")).intValue() == 1;
        });
        assertEquals(KafkaStreams.State.RUNNING, streams.state());
    }
}
