package dev.rlhfloop.service;

import dev.rlhfloop.contracts.JsonSerde;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Follows a compacted topic from its beginning on a thread of its own and hands every record's value
 * to {@code apply} ({@link RaterLog} follows {@code rlhf.raters} so; the trainer follows the raters'
 * reliability so). {@link #awaitLoaded} waits until the topic has been read to where it ended at the
 * start; a slow or restarting broker delays that, never stops the following.
 */
public final class CompactedLog<T> {
    private static final Logger LOG = Logger.getLogger(CompactedLog.class);

    private final String topic;
    private final KafkaConsumer<String, T> consumer;
    private final Consumer<T> apply;
    private final Runnable onLoaded;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final Thread follower;

    /** Starts following {@code topic} at once; {@code onLoaded} runs once, when the start's end is reached. */
    public CompactedLog(String bootstrapServers, String clientId, String topic, Class<T> type, Consumer<T> apply, Runnable onLoaded) {
        this.topic = topic;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), JsonSerde.of(type).deserializer());
        this.apply = apply;
        this.onLoaded = onLoaded;
        this.follower = new Thread(this::follow, clientId);
        follower.setDaemon(true);
        follower.start();
    }

    /** True once the topic has been read to where it ended at the start; waits at most {@code timeout} for it. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void stop() {
        consumer.wakeup();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow() {
        try (KafkaConsumer<String, T> owned = consumer) {
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty()) {
                partitions = retrying(() -> consumer.partitionsFor(topic, Duration.ofSeconds(5))).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (partitions.isEmpty()) {
                    LOG.warnf("waiting for topic %s", topic);
                    Thread.sleep(1_000);
                }
            }
            List<TopicPartition> assigned = partitions;
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = retrying(() -> consumer.endOffsets(assigned, Duration.ofSeconds(5)));
            while (true) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) apply.accept(record.value());
                }
                if (loaded.getCount() > 0 && caughtUp(end)) {
                    onLoaded.run();
                    loaded.countDown();
                }
            }
        } catch (WakeupException stopping) {
            // shutdown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("stopped following " + topic + ": its new records are not seen here", e);
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        try {
            return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey(), Duration.ofSeconds(5)) >= e.getValue());
        } catch (org.apache.kafka.common.errors.TimeoutException slowBroker) {
            return false;
        }
    }

    /** A metadata call, again until the broker answers. */
    private <R> R retrying(Supplier<R> call) throws InterruptedException {
        while (true) {
            try {
                return call.get();
            } catch (org.apache.kafka.common.errors.TimeoutException slowBroker) {
                LOG.warnf("the broker did not answer about %s in time; asking again", topic);
                Thread.sleep(1_000);
            }
        }
    }
}
