package dev.rlhfloop.service.control;

import dev.rlhfloop.contracts.InvalidEventException;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The admin's control of every model line ({@link LineControl}: pin, pause, versions kept) as
 * {@link Topics#LINE_CONTROL} holds it: read from the beginning on a thread of its own, without a
 * consumer group (every instance sees every record), then followed. The trainer and the inference
 * services each keep one; {@code changed} hears every record read (and each one this instance
 * {@link #publish}es), on the follower's thread.
 */
public final class LineControls implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LineControls.class);

    /** Kafka did not store a control in time: nothing changed. */
    public static final class NotStoredException extends RuntimeException {
        NotStoredException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String bootstrapServers;
    private final String clientId;
    private final Consumer<LineControl> changed;
    private final Map<String, LineControl> byLine = new ConcurrentHashMap<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread follower;
    private KafkaProducer<String, LineControl> producer;
    private volatile boolean closing;

    private LineControls(String bootstrapServers, String clientId, Consumer<LineControl> changed) {
        this.bootstrapServers = bootstrapServers;
        this.clientId = clientId;
        this.changed = changed;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer());
        this.follower = new Thread(this::follow, clientId);
        this.follower.setDaemon(true);
    }

    /** Starts following the topic; {@code changed} hears each line's control as it is read. */
    public static LineControls follow(String bootstrapServers, String clientId, Consumer<LineControl> changed) {
        LineControls controls = new LineControls(bootstrapServers, clientId, changed);
        controls.follower.start();
        return controls;
    }

    /** The control in force for {@code line}: the latest read, or {@link LineControl#none} when the admin never set one. */
    public LineControl of(String line) {
        return byLine.getOrDefault(line, LineControl.none(line));
    }

    /** Every control read so far, one per line the admin ever set. */
    public java.util.Collection<LineControl> all() {
        return java.util.List.copyOf(byLine.values());
    }

    /** Waits until everything on the topic when the follower started has been read. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Stores {@code control} on the topic (acknowledged by every in-sync replica) and applies it here at once. */
    public LineControl publish(LineControl control) {
        try {
            producer().send(new ProducerRecord<>(Topics.LINE_CONTROL, control.key(), control)).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotStoredException("interrupted while storing the control of line " + control.line(), e);
        } catch (Exception e) {
            throw new NotStoredException("Kafka did not store the control of line " + control.line() + ": " + e.getMessage(), e);
        }
        apply(control);
        return control;
    }

    private synchronized KafkaProducer<String, LineControl> producer() {
        if (producer == null) {
            producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ProducerConfig.CLIENT_ID_CONFIG, clientId + "-writer",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000), new StringSerializer(), JsonSerde.of(LineControl.class).serializer());
        }
        return producer;
    }

    private void apply(LineControl control) {
        byLine.put(control.line(), control);
        try {
            changed.accept(control);
        } catch (RuntimeException e) {
            LOG.errorf(e, "applying the control of line %s failed", control.line());
        }
    }

    private void follow() {
        try (KafkaConsumer<String, byte[]> owned = consumer) {
            List<TopicPartition> partitions = partitions();
            if (partitions == null) return;
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            while (!closing) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) read(record);
                if (caughtUp.getCount() > 0 && partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                    LOG.infof("line controls read: %s", byLine.isEmpty() ? "none set" : byLine.values());
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "stopped following %s: the admin's pins, pauses and kept versions are no longer seen here", Topics.LINE_CONTROL);
        }
    }

    private void read(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            // a tombstone: the line's control is withdrawn, back to none
            if (record.key() != null) apply(LineControl.none(record.key()));
            return;
        }
        try {
            apply(dev.rlhfloop.contracts.Json.read(record.value(), LineControl.class));
        } catch (InvalidEventException e) {
            LOG.warnf("skipping an unreadable line control at offset %d: %s", record.offset(), e.getMessage());
        }
    }

    /** The topic's partitions, once the broker lists them; null when closed first. */
    private List<TopicPartition> partitions() {
        boolean logged = false;
        while (!closing) {
            try {
                var infos = consumer.partitionsFor(Topics.LINE_CONTROL, Duration.ofSeconds(10));
                if (infos != null && !infos.isEmpty()) return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // the broker is not up yet
            }
            if (!logged) {
                LOG.warnf("waiting for the topic %s at %s", Topics.LINE_CONTROL, bootstrapServers);
                logged = true;
            }
            try {
                Thread.sleep(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (producer != null) producer.close(Duration.ofSeconds(2));
        }
    }
}
