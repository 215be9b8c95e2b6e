package dev.rlhfloop.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.apache.kafka.streams.Topology;

/** Hands Quarkus the service's stream topology, and the contracts' JSON mapper for the REST API too. */
@ApplicationScoped
public class TopologyProducer {
    /** How long a vote on a comparison shown to two raters waits for the other vote before it makes its pair alone. */
    @ConfigProperty(name = "feedback.agreement.second-vote-wait", defaultValue = "30m")
    Duration secondVoteWait;

    @Produces
    public Topology topology() {
        return FeedbackTopology.build(secondVoteWait);
    }

    @Produces
    @Singleton
    public ObjectMapper objectMapper() {
        return Json.MAPPER;
    }
}
