package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Writes votes to Kafka and returns only once every in-sync replica has them. */
@ApplicationScoped
public class VotePublisher {
    private static final Logger LOG = Logger.getLogger(VotePublisher.class);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "feedback.votes.send-timeout", defaultValue = "10s")
    Duration sendTimeout;

    @Inject
    MeterRegistry meters;

    private KafkaProducer<String, VoteEvent> producer;
    private final Map<Choice, Counter> votesByChoice = new EnumMap<>(Choice.class);

    @PostConstruct
    void open() {
        // Every choice from the start, so a rate reads 0 rather than "no data" before its first vote.
        for (Choice choice : Choice.values()) {
            votesByChoice.put(choice, Counter.builder(OperatorMeter.VOTES.meterName())
                    .description("Votes that Kafka acknowledged (repeats of a rater's vote are not counted)")
                    .tag("choice", choice.name())
                    .register(meters));
        }
        long timeoutMs = sendTimeout.toMillis();
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "feedback-votes",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs / 2,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (timeoutMs / 2),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeoutMs);
        producer = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(VoteEvent.class).serializer());
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }

    /** Sends the vote keyed by its comparison and waits for the broker's acknowledgement. */
    public RecordMetadata publish(VoteEvent vote) {
        var record = new ProducerRecord<>(Topics.VOTES, null, vote.createdAt().toEpochMilli(), vote.key(), vote);
        try {
            RecordMetadata stored = producer.send(record).get(sendTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            votesByChoice.get(vote.choice()).increment();
            LOG.infof("vote %s on %s: %s by %s stored at %s-%d@%d", vote.voteId(), vote.comparisonId(), vote.choice(),
                    vote.rater(), stored.topic(), stored.partition(), stored.offset());
            return stored;
        } catch (ExecutionException e) {
            throw new NotAcknowledgedException("Kafka did not store the vote: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new NotAcknowledgedException("Kafka did not acknowledge the vote within " + sendTimeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotAcknowledgedException("interrupted while waiting for Kafka to store the vote");
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new NotAcknowledgedException("Kafka did not store the vote: " + e.getMessage());
        }
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
