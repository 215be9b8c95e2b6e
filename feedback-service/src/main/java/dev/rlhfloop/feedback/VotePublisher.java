package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes votes to Kafka and reports each one once every in-sync replica has it. The producer is a
 * plain Kafka producer configured by the {@value #SETTINGS} properties (application.properties):
 * a vote goes from the request's thread straight to the producer and its acknowledgement straight
 * back to the answer, with no thread waiting for it in between (issue #13's profile: a blocking wait
 * and a messaging pipeline's extra thread hops cost more than the broker's acknowledgement itself).
 */
@ApplicationScoped
public class VotePublisher {
    private static final Logger LOG = Logger.getLogger(VotePublisher.class);
    /** Prefix of the producer's settings: {@code feedback.votes.kafka.acks=all} is the producer's {@code acks=all}. */
    static final String SETTINGS = "feedback.votes.kafka.";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    Config config;

    @Inject
    MeterRegistry meters;

    private final Map<Choice, Counter> votesByChoice = new EnumMap<>(Choice.class);
    private KafkaProducer<String, VoteEvent> producer;

    void start(@Observes StartupEvent event) {
        // Every choice from the start, so a rate reads 0 rather than "no data" before its first vote.
        for (Choice choice : Choice.values()) {
            votesByChoice.put(choice, Counter.builder(OperatorMeter.VOTES.meterName())
                    .description("Votes that Kafka acknowledged (repeats of a rater's vote are not counted)")
                    .tag("choice", choice.name())
                    .register(meters));
        }
        producer = new KafkaProducer<>(settings(), new StringSerializer(), JsonSerde.of(VoteEvent.class).serializer());
    }

    void stop(@Observes ShutdownEvent event) {
        if (producer != null) producer.close(Duration.ofSeconds(2));
    }

    /** The producer's settings: every {@value #SETTINGS}* property, without the prefix. */
    Map<String, Object> settings() {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "feedback-votes");
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(SETTINGS)) settings.put(name.substring(SETTINGS.length()), config.getValue(name, String.class));
        }
        return settings;
    }

    /**
     * Sends the vote keyed by its comparison; the answer completes once the broker acknowledged it
     * (acks=all), or fails with {@link NotAcknowledgedException} when it did not within the
     * producer's delivery timeout. Call it off the event loop: the producer may block up to its
     * {@code max.block.ms} while it has no metadata for the topic (the broker away).
     */
    public Uni<RecordMetadata> publish(VoteEvent vote) {
        CompletableFuture<RecordMetadata> stored = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(Topics.VOTES, null, vote.createdAt().toEpochMilli(), vote.key(), vote), (at, failed) -> {
                if (failed != null) {
                    stored.completeExceptionally(new NotAcknowledgedException("Kafka did not store the vote: " + failed.getMessage()));
                } else {
                    votesByChoice.get(vote.choice()).increment();
                    if (LOG.isDebugEnabled()) {
                        LOG.debugf("vote %s on %s: %s by %s stored at %s-%d@%d", vote.voteId(), vote.comparisonId(), vote.choice(),
                                vote.rater(), at.topic(), at.partition(), at.offset());
                    }
                    stored.complete(at);
                }
            });
        } catch (RuntimeException e) {
            // no metadata within max.block.ms (the broker away), or the producer closed
            stored.completeExceptionally(new NotAcknowledgedException("Kafka did not take the vote: " + e.getMessage()));
        }
        return Uni.createFrom().completionStage(stored);
    }

    /** The votes partition a comparison's records go to: the producer's own rule for keyed records. */
    public int partitionOf(String comparisonId) {
        int partitions = producer.partitionsFor(Topics.VOTES).size();
        return Utils.toPositive(Utils.murmur2(comparisonId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** The vote may not be stored: the caller should try again. */
    public static final class NotAcknowledgedException extends RuntimeException {
        NotAcknowledgedException(String message) {
            super(message, null, false, false);
        }
    }
}
