package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The live line's consumer lag on {@code rlhf.preference-pairs}, as Kafka's own tools count it: the
 * offsets between the line's committed position and the end of each partition. The line commits
 * only once a version trained on the pairs is checkpointed, so this is the backlog no published
 * version has learned from yet. Read from the broker at each scrape (NaN when it does not answer
 * within a second); the consumer's own fetch metrics would miss pairs read but not yet trained.
 */
@ApplicationScoped
public class ConsumerLag {
    private static final int TIMEOUT_MS = 1_000;

    @Inject
    TrainerConfig config;

    @Inject
    MeterRegistry meters;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private Admin admin;

    void register(@Observes StartupEvent event) {
        Gauge.builder(OperatorMeter.TRAINER_LAG.meterName(), this, ConsumerLag::records)
                .baseUnit("records")
                .description("Offsets of rlhf.preference-pairs past the live line's committed position")
                .tag("line", config.line())
                .register(meters);
    }

    double records() {
        try {
            Admin kafka = admin();
            List<TopicPartition> partitions = kafka.describeTopics(List.of(Topics.PREFERENCE_PAIRS)).allTopicNames()
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).get(Topics.PREFERENCE_PAIRS).partitions().stream()
                    .map(p -> new TopicPartition(Topics.PREFERENCE_PAIRS, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = kafka.listConsumerGroupOffsets(LineTrainer.groupId(config.line()))
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            // The line reads committed records only, so the end is the last stable offset, not the high watermark.
            Map<TopicPartition, Long> end = offsets(kafka, partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> beginning = offsets(kafka, partitions, OffsetSpec.earliest());
            long lag = 0;
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata position = committed.get(tp);
                lag += Math.max(0, end.get(tp) - (position != null ? position.offset() : beginning.get(tp)));
            }
            return lag;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            return Double.NaN;
        }
    }

    private static Map<TopicPartition, Long> offsets(Admin kafka, List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = kafka
                .listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED).timeoutMs(TIMEOUT_MS))
                .all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        return found.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    AdminClientConfig.CLIENT_ID_CONFIG, "trainer-consumer-lag",
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS));
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) admin.close();
    }
}
