package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.TrainingEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The trainer's one producer: model versions (waited for) and training events (fire and forget). */
@ApplicationScoped
public class Publisher {
    private static final Logger LOG = Logger.getLogger(Publisher.class);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private KafkaProducer<String, byte[]> producer;

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.CLIENT_ID_CONFIG, "rlhf-trainer",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5,
                    // a training step never waits long for an absent broker; versions retry below
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000),
                    new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /**
     * Publishes a version and returns once the broker has it, retrying while the broker is away: the
     * line does not go on before its version is announced (it could not read pairs meanwhile anyway).
     */
    public void version(ModelVersion version) {
        for (int attempt = 1; ; attempt++) {
            try {
                producer().send(new ProducerRecord<>(Topics.MODEL_VERSIONS, version.key(), Json.write(version)))
                        .get(30, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing version " + version.versionId(), e);
            } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
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
        try {
            producer().send(new ProducerRecord<>(Topics.TRAINING_EVENTS, event.key(), Json.write(event)), (metadata, error) -> {
                if (error != null) LOG.debugf("training event not published: %s", error.getMessage());
            });
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.debugf("training event not published: %s", e.getMessage());
        }
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) producer.close(java.time.Duration.ofSeconds(5));
    }
}
