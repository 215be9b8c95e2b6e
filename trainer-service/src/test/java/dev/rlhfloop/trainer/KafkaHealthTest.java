package dev.rlhfloop.trainer;

import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.service.testing.ReadinessFollowsTheBroker;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Readiness follows the broker (the test is {@link ReadinessFollowsTheBroker}'s). */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
class KafkaHealthTest extends ReadinessFollowsTheBroker {
}
