package dev.rlhfloop.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.feedback.streams.FeedbackTopology;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.streams.Topology;

/** Hands Quarkus the service's stream topology, and the contracts' JSON mapper for the REST API too. */
@ApplicationScoped
public class TopologyProducer {
    @Produces
    public Topology topology() {
        return FeedbackTopology.build();
    }

    @Produces
    @Singleton
    public ObjectMapper objectMapper() {
        return Json.MAPPER;
    }
}
