package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.ThumbsEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Writes thumbs to rlhf.thumbs through the {@code thumbs} channel (the votes producer's settings:
 * acks=all, idempotence, linger 0) and returns only once every in-sync replica has them. A channel
 * and a wait suit their rate; votes, far more of them, skip both ({@link VotePublisher}).
 */
@ApplicationScoped
public class ThumbsPublisher {
    private static final Logger LOG = Logger.getLogger(ThumbsPublisher.class);
    static final String CHANNEL = "thumbs";

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<ThumbsEvent> thumbs;

    @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".delivery.timeout.ms")
    long deliveryTimeoutMs;

    /** Sends the thumbs keyed by its comparison and waits for the broker's acknowledgement. */
    public RecordMetadata publish(ThumbsEvent event) {
        var stored = new OutgoingMessageMetadata<RecordMetadata>();
        var record = OutgoingKafkaRecordMetadata.<String>builder().withKey(event.key()).withTimestamp(event.createdAt()).build();
        try {
            thumbs.sendMessage(Message.of(event, Metadata.of(record, stored))).await().atMost(Duration.ofMillis(deliveryTimeoutMs + 1_000));
        } catch (RuntimeException e) {
            // a nack, a full buffer or a lost callback: the caller answers 503 and the rater may try again
            throw new VotePublisher.NotAcknowledgedException("Kafka did not store the thumbs: " + e.getMessage());
        }
        RecordMetadata at = stored.getResult();
        LOG.infof("thumbs %s on %s/%s: %s by %s stored at %s-%d@%d", event.thumbsId(), event.comparisonId(), event.slot(),
                event.up() ? "up" : "down", event.rater(), at.topic(), at.partition(), at.offset());
        return at;
    }
}
