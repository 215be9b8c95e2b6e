package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Who may rate: every instance reads the whole compacted {@code rlhf.raters} topic from its
 * beginning and follows it, so an invite or a revocation made on one instance holds on all of them,
 * and a restart finds every rater again. Writes wait for Kafka's acknowledgement and apply at once
 * here, so the session that follows an invite finds it.
 */
@ApplicationScoped
public class RaterDirectory {
    private static final Logger LOG = Logger.getLogger(RaterDirectory.class);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "feedback.raters.load-timeout", defaultValue = "10s")
    Duration loadTimeout;

    private final Map<String, Rater> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByInviteHash = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private KafkaProducer<String, Rater> producer;
    private KafkaConsumer<String, Rater> consumer;
    private Thread follower;

    void start(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "feedback-raters",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000), new StringSerializer(), JsonSerde.of(Rater.class).serializer());
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "feedback-raters-directory",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), JsonSerde.of(Rater.class).deserializer());
        follower = new Thread(this::follow, "rater-directory");
        follower.setDaemon(true);
        follower.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (follower == null) return;
        consumer.wakeup();
        try {
            follower.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }

    private void follow() {
        try (KafkaConsumer<String, Rater> owned = consumer) {
            List<TopicPartition> partitions = List.of();
            while (partitions.isEmpty()) {
                partitions = retrying(() -> consumer.partitionsFor(Topics.RATERS, Duration.ofSeconds(5))).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (partitions.isEmpty()) {
                    LOG.warnf("waiting for topic %s", Topics.RATERS);
                    Thread.sleep(1_000);
                }
            }
            List<TopicPartition> assigned = partitions;
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = retrying(() -> consumer.endOffsets(assigned, Duration.ofSeconds(5)));
            while (true) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null) apply(record.value());
                }
                if (loaded.getCount() > 0 && caughtUp(end)) {
                    LOG.infof("rater directory loaded: %d rater(s)", byId.size());
                    loaded.countDown();
                }
            }
        } catch (WakeupException stopping) {
            // shutdown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the rater directory stopped following " + Topics.RATERS + ": new invites and revocations are not seen here", e);
        }
    }

    private boolean caughtUp(Map<TopicPartition, Long> end) {
        try {
            return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey(), Duration.ofSeconds(5)) >= e.getValue());
        } catch (org.apache.kafka.common.errors.TimeoutException slowBroker) {
            return false;
        }
    }

    /** A metadata call, again until the broker answers: a slow or restarting broker must not stop the directory. */
    private static <T> T retrying(java.util.function.Supplier<T> call) throws InterruptedException {
        while (true) {
            try {
                return call.get();
            } catch (org.apache.kafka.common.errors.TimeoutException slowBroker) {
                LOG.warnf("the broker did not answer about %s in time; asking again", Topics.RATERS);
                Thread.sleep(1_000);
            }
        }
    }

    private void apply(Rater rater) {
        byId.merge(rater.raterId(), rater, (known, next) -> known.isRevoked() && !next.isRevoked() ? known : next);
        if (rater.inviteHash() != null) idByInviteHash.put(rater.inviteHash(), rater.raterId());
    }

    /** Stores the rater on the topic (waits for Kafka) and knows it here at once. */
    public Rater publish(Rater rater) {
        try {
            producer.send(new ProducerRecord<>(Topics.RATERS, rater.key(), rater)).get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VotePublisher.NotAcknowledgedException("interrupted while storing rater " + rater.raterId());
        } catch (Exception e) {
            throw new VotePublisher.NotAcknowledgedException("Kafka did not store rater " + rater.raterId() + ": " + e.getMessage());
        }
        apply(rater);
        return rater;
    }

    /** Waits (briefly) until the topic has been read to where it ended at start: an answer before that could miss an invite or a revocation. */
    public void awaitLoaded() {
        try {
            if (!loaded.await(loadTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new StoreQueries.NotReadyException("the rater directory is still loading from " + Topics.RATERS + "; try again shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreQueries.NotReadyException("interrupted while the rater directory loads");
        }
    }

    public Optional<Rater> find(String raterId) {
        return Optional.ofNullable(byId.get(raterId));
    }

    public boolean isRevoked(String raterId) {
        Rater rater = byId.get(raterId);
        return rater != null && rater.isRevoked();
    }

    public Optional<Rater> byInvite(String code) {
        return Optional.ofNullable(idByInviteHash.get(hash(code))).map(byId::get);
    }

    public List<Rater> all() {
        return byId.values().stream().sorted(Comparator.comparing(Rater::createdAt)).toList();
    }

    static String hash(String inviteCode) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(inviteCode.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
