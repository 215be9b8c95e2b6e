package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.InvalidEventException;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.VoteEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Watches {@code rlhf.votes} from the moment the service starts (the {@code votes-seen} channel): a
 * vote on a comparison this instance holds reveals which versions wrote its answers. Every instance
 * reads every partition (a group of its own, from the end): the comparison may live on any of them.
 */
@ApplicationScoped
public class VoteWatcher {
    private static final Logger LOG = Logger.getLogger(VoteWatcher.class);

    @Inject
    ComparisonService comparisons;

    @Inject
    RaterChecks raterChecks;

    @Incoming("votes-seen")
    void read(ConsumerRecord<String, String> record) {
        if (record.value() == null) return;
        try {
            VoteEvent vote = Json.read(record.value(), VoteEvent.class);
            comparisons.markVoted(vote.comparisonId());
            raterChecks.voted(vote.comparisonId(), vote.rater());
        } catch (InvalidEventException e) {
            LOG.warnf("skipping an unreadable vote at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
        }
    }
}
