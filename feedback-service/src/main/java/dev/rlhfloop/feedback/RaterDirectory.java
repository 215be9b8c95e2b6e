package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.service.RaterLog;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
    private KafkaProducer<String, Rater> producer;
    private RaterLog log;

    void start(@Observes StartupEvent event) {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, "feedback-raters",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000), new StringSerializer(), JsonSerde.of(Rater.class).serializer());
        log = new RaterLog(bootstrapServers, "feedback-raters-directory", this::apply,
                () -> LOG.infof("rater directory loaded: %d rater(s)", byId.size()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (log == null) return;
        log.stop();
        producer.close(Duration.ofSeconds(2));
    }

    private void apply(Rater rater) {
        // Revoking and forgetting are for good: a later record (a session opened meanwhile) does not undo them.
        byId.merge(rater.raterId(), rater, (known, next) ->
                known.isForgotten() && !next.isForgotten() || known.isRevoked() && !next.isRevoked() ? known : next);
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
            if (log == null || !log.awaitLoaded(loadTimeout)) {
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

    /** The raters the admin had forgotten: every statistic and export leaves their votes out. */
    public java.util.Set<String> forgotten() {
        return byId.values().stream().filter(Rater::isForgotten).map(Rater::raterId)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
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
