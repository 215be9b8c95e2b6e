package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * The model registry as this trainer sees it: every version on {@code rlhf.model-versions}, read
 * from the beginning by a thread of its own (no consumer group: every instance reads it all), plus
 * the versions this instance has just published.
 */
final class Registry implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Registry.class);

    private final Map<String, ModelVersion> versions = new LinkedHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    /** A consumer of its own for metadata: the reader's is not thread-safe and sits in poll(). */
    private final KafkaConsumer<String, byte[]> lister;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread reader;
    private volatile boolean running = true;

    Registry(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "rlhf-trainer-registry-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
        lister = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "rlhf-trainer-metadata-" + UUID.randomUUID()),
                new StringDeserializer(), new ByteArrayDeserializer());
        reader = new Thread(this::read, "registry-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits until everything on the topic when this started has been read. */
    boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void add(ModelVersion version) {
        versions.put(version.versionId(), version);
    }

    synchronized List<ModelVersion> all() {
        List<ModelVersion> list = new ArrayList<>(versions.values());
        list.sort(Comparator.comparing(ModelVersion::createdAt).thenComparing(ModelVersion::versionId));
        return list;
    }

    synchronized Optional<ModelVersion> find(String versionId) {
        return Optional.ofNullable(versions.get(versionId));
    }

    synchronized List<ModelVersion> line(String line) {
        return all().stream().filter(v -> v.modelLine().equals(line)).toList();
    }

    private void read() {
        try {
            List<TopicPartition> partitions = null;
            while (running && partitions == null) {
                try {
                    partitions = consumer.partitionsFor(Topics.MODEL_VERSIONS, Duration.ofSeconds(5)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    LOG.warnf("waiting for the broker to list %s", Topics.MODEL_VERSIONS);
                }
            }
            if (partitions == null) return;
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) continue;
                    try {
                        add(Json.read(record.value(), ModelVersion.class));
                    } catch (RuntimeException e) {
                        LOG.warnf("skipping unreadable registry entry at offset %d: %s", record.offset(), e.getMessage());
                    }
                }
                if (caughtUp.getCount() > 0 && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "the registry reader stopped");
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Partitions of a topic, as the broker lists them now. */
    int partitionCount(String topic) {
        synchronized (lister) {
            return lister.partitionsFor(topic, Duration.ofSeconds(10)).size();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        reader.join(5_000);
        synchronized (lister) {
            lister.close(Duration.ofSeconds(2));
        }
    }
}
