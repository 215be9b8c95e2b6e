package dev.rlhfloop.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One real broker for the class: it must serve clients, hold the topic settings and survive a restart. */
class LocalKafkaTest {
    @TempDir
    static Path dir;
    static LocalKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = LocalKafka.onFreePorts(dir.resolve("broker")).start();
        kafka.createTopics(Topics.ALL);
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) kafka.stop();
    }

    @Test
    void topicsHavePartitionsCompactionAndRetentionFromTheirSpecs() throws Exception {
        try (Admin admin = kafka.admin()) {
            for (Topics.Spec spec : Topics.ALL) {
                TopicDescription topic = admin.describeTopics(List.of(spec.name())).allTopicNames()
                        .get(10, TimeUnit.SECONDS).get(spec.name());
                assertEquals(spec.partitions(), topic.partitions().size(), spec.name());
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, spec.name());
                Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
                assertEquals(spec.compacted() ? "compact" : "delete", config.get("cleanup.policy").value(), spec.name());
                assertEquals(spec.keepForever(), "-1".equals(config.get("retention.ms").value()), spec.name());
            }
        }
    }

    @Test
    void createTopicsTwiceIsHarmless() {
        kafka.createTopics(Topics.ALL);
    }

    @Test
    void recordsSurviveARestartOnTheSamePortAndDataDir() throws Exception {
        String key = UUID.randomUUID().toString();
        produce(Topics.TRAINING_EVENTS, key, "before restart");
        int port = kafka.port();
        long firstPid = kafka.pid();

        kafka.stop();
        assertFalse(kafka.isRunning());
        assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false), "broker JVM still alive");
        kafka.start();

        assertEquals(port, kafka.port());
        produce(Topics.TRAINING_EVENTS, key, "after restart");
        List<String> values = new ArrayList<>();
        for (ConsumerRecord<String, String> record : consumeAll(Topics.TRAINING_EVENTS, 2, key)) values.add(record.value());
        assertEquals(List.of("before restart", "after restart"), values);
    }

    private static void produce(String topic, String key, String value) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        }
    }

    private static List<ConsumerRecord<String, String>> consumeAll(String topic, int expected, String key) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (found.size() < expected && System.nanoTime() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) found.add(record);
                }
            }
        }
        assertTrue(found.size() >= expected, "got " + found.size() + " of " + expected + " records");
        return found;
    }
}
