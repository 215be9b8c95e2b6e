package dev.rlhfloop.kafka.testing;

import dev.rlhfloop.contracts.JsonSerde;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients for the services' tests: write events, read a topic back from the beginning, wait. */
public final class KafkaTestClient {
    private KafkaTestClient() {}

    public static <T> void send(String bootstrap, String topic, String key, T value, Class<T> type) {
        send(bootstrap, topic, null, key, List.of(value), type);
    }

    /** Writes the values in order; {@code partition} null lets the key choose it. */
    public static <T> void send(String bootstrap, String topic, Integer partition, String key, List<T> values, Class<T> type) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(type).serializer())) {
            for (T value : values) producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic, e);
        }
    }

    /** Reads committed records of a topic from the beginning until {@code done} holds for them or the time runs out. */
    public static <T> List<T> readUntil(String bootstrap, String topic, Class<T> type, Predicate<List<T>> done, Duration timeout) {
        return readUntil(bootstrap, topic, type, done, timeout, Duration.ZERO);
    }

    /**
     * As {@link #readUntil(String, String, Class, Predicate, Duration)}, then one more poll of
     * {@code settle}, so a test also sees records that should not have been there.
     */
    public static <T> List<T> readUntil(String bootstrap, String topic, Class<T> type, Predicate<List<T>> done,
                                        Duration timeout, Duration settle) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<T> values = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), JsonSerde.of(type).deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(values) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            if (!settle.isZero()) {
                consumer.poll(settle).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }
}
