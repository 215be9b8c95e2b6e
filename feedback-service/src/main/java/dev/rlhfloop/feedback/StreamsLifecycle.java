package dev.rlhfloop.feedback;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Leaves the Streams consumer group on a clean shutdown. Quarkus closes Kafka Streams without
 * leaving, so a restarted service would wait a whole session timeout before it gets its partitions
 * (and its statistics) back.
 */
@ApplicationScoped
public class StreamsLifecycle {
    public static final KafkaStreams.CloseOptions LEAVE_GROUP =
            new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(10));

    @Inject
    KafkaStreams streams;

    void onStop(@Observes ShutdownEvent event) {
        streams.close(LEAVE_GROUP);
    }
}
