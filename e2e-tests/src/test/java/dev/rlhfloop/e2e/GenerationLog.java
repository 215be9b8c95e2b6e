package dev.rlhfloop.e2e;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows {@code rlhf.generations} from the beginning: which model version wrote each answer of a
 * comparison, known from the log even when no vote revealed it to the rater.
 */
final class GenerationLog implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** comparison id → slot → model version */
    private final Map<String, Map<String, String>> versions = new HashMap<>();

    GenerationLog(String bootstrapServers) {
        consumer = fromBeginning(bootstrapServers, Topics.GENERATIONS);
    }

    /** A consumer of every committed record of {@code topic}, positioned at its beginning, in no group. */
    static KafkaConsumer<byte[], byte[]> fromBeginning(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Slot → version of both answers of a comparison, waiting up to {@code patience} for their events. */
    Map<String, String> versionsOf(String comparisonId, Duration patience) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (versions.getOrDefault(comparisonId, Map.of()).size() < 2) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no generation events for both answers of " + comparisonId + " on "
                        + Topics.GENERATIONS + " within " + patience + ": " + versions.get(comparisonId));
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() == null) continue;
                GenerationEvent event = Json.read(r.value(), GenerationEvent.class);
                versions.computeIfAbsent(event.comparisonId(), id -> new TreeMap<>())
                        .put(event.slot().name(), event.answer().modelVersion());
            }
        }
        return versions.get(comparisonId);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
