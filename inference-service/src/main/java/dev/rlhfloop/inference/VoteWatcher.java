package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.InvalidEventException;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Watches {@code rlhf.votes} from the moment the service starts: a vote on a comparison this
 * instance holds reveals which versions wrote its answers. Every instance reads every partition
 * (no group): the comparison may live on any of them.
 */
@ApplicationScoped
public class VoteWatcher {
    private static final Logger LOG = Logger.getLogger(VoteWatcher.class);

    @Inject
    ComparisonService comparisons;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private TopicTail tail;

    void start(@Observes StartupEvent event) {
        // from the end, fixed now: before any comparison of this instance exists
        tail = TopicTail.start(bootstrapServers, Topics.VOTES, "inference-votes", TopicTail.From.END,
                "model versions will no longer be revealed", this::read);
    }

    void stop(@Observes ShutdownEvent event) {
        if (tail != null) tail.close();
    }

    private void read(ConsumerRecord<String, String> record) {
        if (record.value() == null) return;
        try {
            comparisons.markVoted(Json.read(record.value(), VoteEvent.class).comparisonId());
        } catch (InvalidEventException e) {
            LOG.warnf("skipping an unreadable vote at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
        }
    }
}
