package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.TrainingEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * The trainer's publishing: model versions (waited for) on the {@code model-versions} channel and
 * training events (fire and forget) on {@code training-events}; producer settings in application.properties.
 */
@ApplicationScoped
public class Publisher {
    private static final Logger LOG = Logger.getLogger(Publisher.class);
    private static final Duration VERSION_WAIT = Duration.ofSeconds(30);

    @Inject
    @Channel("model-versions")
    MutinyEmitter<byte[]> versions;

    /** Progress is best effort: when the broker is away, events beyond the buffer are dropped, never waited for. */
    @Inject
    @Channel("training-events")
    @OnOverflow(value = OnOverflow.Strategy.DROP)
    MutinyEmitter<byte[]> events;

    /**
     * Publishes a version and returns once the broker has it, retrying while the broker is away: the
     * line does not go on before its version is announced (it could not read pairs meanwhile anyway).
     */
    public void version(ModelVersion version) {
        for (int attempt = 1; ; attempt++) {
            try {
                versions.sendMessage(keyed(version.key(), Json.write(version))).await().atMost(VERSION_WAIT);
                return;
            } catch (RuntimeException e) {
                LOG.warnf("Kafka did not take version %s (attempt %d), retrying: %s", version.versionId(), attempt, e.getMessage());
                try {
                    Thread.sleep(Math.min(10_000, 500L * attempt));
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while publishing version " + version.versionId(), stop);
                }
            }
        }
    }

    public void event(TrainingEvent event) {
        events.sendMessage(keyed(event.key(), Json.write(event))).subscribe().with(
                sent -> {}, error -> LOG.debugf("training event not published: %s", error.getMessage()));
    }

    private static Message<byte[]> keyed(String key, byte[] value) {
        return Message.of(value, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
