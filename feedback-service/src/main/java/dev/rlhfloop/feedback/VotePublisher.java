package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.OutgoingMessageMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Writes votes to Kafka through the {@code votes} channel and returns only once every in-sync
 * replica has them (the producer settings are the channel's, in application.properties).
 */
@ApplicationScoped
public class VotePublisher {
    private static final Logger LOG = Logger.getLogger(VotePublisher.class);
    static final String CHANNEL = "votes";

    /** Bounded: past this many votes waiting for the producer, a vote is refused (503) instead of queued. */
    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<VoteEvent> votes;

    @Inject
    KafkaClientService kafka;

    /** How long a vote may wait for the broker before the API answers 503. */
    @ConfigProperty(name = "mp.messaging.outgoing." + CHANNEL + ".delivery.timeout.ms")
    long deliveryTimeoutMs;

    @Inject
    MeterRegistry meters;

    private final Map<Choice, Counter> votesByChoice = new EnumMap<>(Choice.class);

    @PostConstruct
    void registerMeters() {
        // Every choice from the start, so a rate reads 0 rather than "no data" before its first vote.
        for (Choice choice : Choice.values()) {
            votesByChoice.put(choice, Counter.builder(OperatorMeter.VOTES.meterName())
                    .description("Votes that Kafka acknowledged (repeats of a rater's vote are not counted)")
                    .tag("choice", choice.name())
                    .register(meters));
        }
    }

    /** Sends the vote keyed by its comparison and waits for the broker's acknowledgement. */
    public RecordMetadata publish(VoteEvent vote) {
        var stored = new OutgoingMessageMetadata<RecordMetadata>();
        var record = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(vote.key())
                .withTimestamp(vote.createdAt())
                .build();
        try {
            // the producer's delivery timeout ends the wait first; the extra second only guards a lost callback
            votes.sendMessage(Message.of(vote, Metadata.of(record, stored)))
                    .await().atMost(Duration.ofMillis(deliveryTimeoutMs + 1_000));
        } catch (io.smallrye.mutiny.TimeoutException e) {
            throw new NotAcknowledgedException("Kafka did not acknowledge the vote within " + deliveryTimeoutMs / 1000 + " s");
        } catch (RuntimeException e) {
            // a nack (delivery timeout, broker error) or a full emitter buffer
            throw new NotAcknowledgedException("Kafka did not store the vote: " + e.getMessage());
        }
        RecordMetadata at = stored.getResult();
        votesByChoice.get(vote.choice()).increment();
        LOG.infof("vote %s on %s: %s by %s stored at %s-%d@%d", vote.voteId(), vote.comparisonId(), vote.choice(),
                vote.rater(), at.topic(), at.partition(), at.offset());
        return at;
    }

    /** The votes partition a comparison's records go to: the producer's own rule for keyed records. */
    public int partitionOf(String comparisonId) {
        int partitions = kafka.getProducer(CHANNEL).unwrap().partitionsFor(Topics.VOTES).size();
        return Utils.toPositive(Utils.murmur2(comparisonId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The vote may not be stored: the caller should try again. */
    public static final class NotAcknowledgedException extends RuntimeException {
        NotAcknowledgedException(String message) {
            super(message, null, false, false);
        }
    }
}
