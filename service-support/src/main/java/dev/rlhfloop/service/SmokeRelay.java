package dev.rlhfloop.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.contracts.SmokePing;
import dev.rlhfloop.contracts.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Passes smoke pings along their route: a ping whose next hop is this service gets this service's
 * name appended and is published again. Remembers the latest state of recent pings for GET /smoke.
 * Plain clients, not Messaging channels: channels are declared in each application's config, and this
 * library bean runs in three services and is excluded from the gateway, which has neither broker nor messaging.
 */
@ApplicationScoped
public class SmokeRelay {
    private static final Logger LOG = Logger.getLogger(SmokeRelay.class);
    private static final int REMEMBERED = 200;

    @ConfigProperty(name = "quarkus.application.name")
    String serviceName;

    @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092")
    String bootstrapServers;

    @ConfigProperty(name = "rlhfloop.smoke.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "rlhfloop.smoke.route", defaultValue = "inference-service,feedback-service,trainer-service")
    List<String> route;

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, SmokePing> seen = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SmokePing> eldest) {
            return size() > REMEMBERED;
        }
    };
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> consumer;
    private Thread loop;

    void start(@Observes StartupEvent event) {
        if (!enabled) return;
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.CLIENT_ID_CONFIG, serviceName + "-smoke",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000), new StringSerializer(), new StringSerializer());
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, serviceName + "-smoke",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer());
        loop = new Thread(this::relay, serviceName + "-smoke-relay");
        loop.setDaemon(true);
        loop.start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (loop == null) return;
        consumer.wakeup();
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(2));
    }

    /** Starts a ping on its route and returns it; the first hop (maybe this service) picks it up from Kafka. */
    public SmokePing send() {
        SmokePing ping = SmokePing.start(UUID.randomUUID().toString(), route, System.currentTimeMillis());
        publish(ping);
        remember(ping);
        return ping;
    }

    public synchronized Optional<SmokePing> find(String id) {
        return Optional.ofNullable(seen.get(id));
    }

    private void relay() {
        try (KafkaConsumer<String, String> owned = consumer) {
            consumer.subscribe(List.of(Topics.SMOKE));
            while (true) {
                for (var record : consumer.poll(Duration.ofSeconds(1))) {
                    SmokePing ping = read(record.value());
                    if (ping == null) continue;
                    remember(ping);
                    if (ping.nextHop().map(serviceName::equals).orElse(false)) {
                        SmokePing next = ping.visitedBy(serviceName);
                        remember(next);
                        publish(next);
                        if (next.complete()) {
                            LOG.infof("smoke ping %s completed its route %s in %d ms", next.id(), next.hops(),
                                    System.currentTimeMillis() - next.sentAtMs());
                        }
                    }
                }
            }
        } catch (WakeupException stopping) {
            // shutdown
        } catch (RuntimeException e) {
            LOG.error("the smoke relay stopped", e);
        }
    }

    private SmokePing read(String value) {
        try {
            return json.readValue(value, SmokePing.class);
        } catch (IOException | IllegalArgumentException e) {
            LOG.warnf("skipping an unreadable smoke ping: %s", e.getMessage());
            return null;
        }
    }

    private void publish(SmokePing ping) {
        try {
            producer.send(new ProducerRecord<>(Topics.SMOKE, ping.id(), json.writeValueAsString(ping)))
                    .get(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing smoke ping " + ping.id(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish smoke ping " + ping.id() + " to Kafka: " + e.getMessage(), e);
        }
    }

    private synchronized void remember(SmokePing ping) {
        SmokePing known = seen.get(ping.id());
        if (known == null || known.hops().size() <= ping.hops().size()) seen.put(ping.id(), ping);
    }
}
