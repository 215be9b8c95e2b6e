package dev.rlhfloop.inference;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Follows every partition of one topic on a thread of its own, without a consumer group (each
 * instance sees everything): waits for the topic to exist, starts at its beginning or its end, hands
 * each record to the reader, and stops cleanly on {@link #close()}.
 */
final class TopicTail implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TopicTail.class);

    enum From { BEGINNING, END }

    /** What to do with the topic; called on the tail's thread. */
    interface Reader {
        /** Once, after the partitions are assigned and positioned and before the first record: e.g. catch up. */
        default void started(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {}

        void record(ConsumerRecord<String, String> record);
    }

    private final String topic;
    private final String bootstrapServers;
    private final From from;
    private final Reader reader;
    private final String whenItStops;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * @param whenItStops what no longer happens if the tail dies, for the operator's log line
     */
    static TopicTail start(String bootstrapServers, String topic, String clientId, From from, String whenItStops, Reader reader) {
        TopicTail tail = new TopicTail(bootstrapServers, topic, clientId, from, whenItStops, reader);
        tail.thread.start();
        return tail;
    }

    private TopicTail(String bootstrapServers, String topic, String clientId, From from, String whenItStops, Reader reader) {
        this.topic = topic;
        this.bootstrapServers = bootstrapServers;
        this.from = from;
        this.reader = reader;
        this.whenItStops = whenItStops;
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, from == From.BEGINNING ? "earliest" : "latest"),
                new StringDeserializer(), new StringDeserializer());
        this.thread = new Thread(this::run, clientId);
        this.thread.setDaemon(true);
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (KafkaConsumer<String, String> owned = consumer) {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions == null) return;
            consumer.assign(partitions);
            if (from == From.BEGINNING) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            partitions.forEach(consumer::position); // fix the start now, not at the first poll
            reader.started(consumer, partitions);
            while (!stopping) {
                consumer.poll(Duration.ofSeconds(1)).forEach(reader::record);
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.errorf(e, "stopped reading %s: %s", topic, whenItStops);
        }
    }

    private List<TopicPartition> awaitPartitions() {
        boolean logged = false;
        while (!stopping) {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos != null && !infos.isEmpty()) {
                    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // the broker is not up yet
            }
            if (!logged) {
                LOG.warnf("waiting for the topic %s at %s", topic, bootstrapServers);
                logged = true;
            }
            try {
                Thread.sleep(2_000);
            } catch (InterruptedException e) {
                return null;
            }
        }
        return null;
    }
}
