package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes imported pairs to the pairs topic in one Kafka transaction per request: the trainer reads
 * committed records only, so it sees all of a request's pairs or none of them.
 */
@ApplicationScoped
public class PairImporter {
    private static final Logger LOG = Logger.getLogger(PairImporter.class);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private KafkaProducer<String, PreferencePair> producer;

    /** Publishes every pair or none; throws {@link VotePublisher.NotAcknowledgedException} when Kafka did not commit them. */
    public synchronized void publish(List<PreferencePair> pairs) {
        try {
            KafkaProducer<String, PreferencePair> kafka = producer();
            kafka.beginTransaction();
            try {
                for (PreferencePair pair : pairs) kafka.send(new ProducerRecord<>(Topics.PREFERENCE_PAIRS, pair.key(), pair));
                kafka.commitTransaction();
            } catch (RuntimeException e) {
                kafka.abortTransaction();
                throw e;
            }
        } catch (RuntimeException e) {
            close();
            throw new VotePublisher.NotAcknowledgedException("Kafka did not store the imported pairs (none were published): " + e.getMessage());
        }
    }

    private KafkaProducer<String, PreferencePair> producer() {
        if (producer == null) {
            // A fresh transactional id per producer: instances never fence each other, and a broken producer is replaced.
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.CLIENT_ID_CONFIG, "feedback-import",
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rlhf-feedback-import-" + UUID.randomUUID(),
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000), new StringSerializer(), JsonSerde.of(PreferencePair.class).serializer());
            producer.initTransactions();
        }
        return producer;
    }

    private void close() {
        if (producer == null) return;
        try {
            producer.close(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("closing the import producer: %s", e.getMessage());
        }
        producer = null;
    }

    synchronized void stop(@Observes ShutdownEvent event) {
        close();
    }
}
