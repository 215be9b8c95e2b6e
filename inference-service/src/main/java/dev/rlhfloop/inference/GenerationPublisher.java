package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.GenerationEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Writes one {@link GenerationEvent} per finished answer to {@code rlhf.generations}, keyed by
 * comparison id, through the {@code generations} channel (settings in application.properties).
 */
@ApplicationScoped
public class GenerationPublisher {

    @Inject
    @Channel("generations")
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    MutinyEmitter<GenerationEvent> generations;

    /** Completes when the broker has acknowledged the event (all in-sync replicas). */
    public CompletableFuture<Void> publish(GenerationEvent generation) {
        try {
            var keyed = OutgoingKafkaRecordMetadata.<String>builder().withKey(generation.key()).build();
            return generations.sendMessage(Message.of(generation, Metadata.of(keyed))).subscribeAsCompletionStage();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e); // a full buffer
        }
    }
}
