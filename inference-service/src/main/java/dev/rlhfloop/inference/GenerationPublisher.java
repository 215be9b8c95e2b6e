package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Writes one {@link GenerationEvent} per finished answer to {@code rlhf.generations}, keyed by comparison id. */
@ApplicationScoped
public class GenerationPublisher {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private KafkaProducer<String, GenerationEvent> producer;

    void start(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "inference-generations",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000),
                new StringSerializer(), JsonSerde.of(GenerationEvent.class).serializer());
    }

    void stop(@Observes ShutdownEvent event) {
        if (producer != null) producer.close(Duration.ofSeconds(5));
    }

    /** Completes when the broker has acknowledged the event (all in-sync replicas). */
    public CompletableFuture<Void> publish(GenerationEvent generation) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(Topics.GENERATIONS, generation.key(), generation), (metadata, error) -> {
                if (error == null) acknowledged.complete(null);
                else acknowledged.completeExceptionally(error);
            });
        } catch (RuntimeException e) {
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }
}
