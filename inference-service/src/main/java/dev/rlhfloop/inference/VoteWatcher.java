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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
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

    private KafkaConsumer<String, String> consumer;
    private Thread loop;
    private volatile boolean stopping;

    void start(@Observes StartupEvent event) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "inference-votes",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"), new StringDeserializer(), new StringDeserializer());
        loop = new Thread(this::run, "vote-watcher");
        loop.setDaemon(true);
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop == null) return;
        stopping = true;
        consumer.wakeup();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (KafkaConsumer<String, String> owned = consumer) {
            List<TopicPartition> partitions = null;
            while (partitions == null && !stopping) {
                try {
                    List<PartitionInfo> infos = consumer.partitionsFor(Topics.VOTES, Duration.ofSeconds(10));
                    if (infos != null && !infos.isEmpty()) {
                        partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                    } else {
                        Thread.sleep(2_000);
                    }
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // the broker is not up yet: try again
                }
            }
            if (partitions == null) return;
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // fix the start now, before any comparison exists
            while (!stopping) {
                for (var record : consumer.poll(Duration.ofSeconds(1))) {
                    if (record.value() == null) continue;
                    try {
                        comparisons.markVoted(Json.read(record.value(), VoteEvent.class).comparisonId());
                    } catch (InvalidEventException e) {
                        LOG.warnf("skipping an unreadable vote at %s-%d@%d: %s", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the vote watcher stopped: model versions will no longer be revealed", e);
        }
    }
}
