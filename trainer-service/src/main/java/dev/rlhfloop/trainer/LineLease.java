package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * Which trainer trains a line: the member of the line's lease group that is assigned the single
 * partition of {@code rlhf.trainer-leases}. Other trainers of the line are members too and wait as hot
 * standbys; when the holder dies its session times out and the group hands the partition to one of
 * them (a clean stop hands it over at once). The sticky assignor keeps it where it is while the holder lives.
 *
 * <p>Fencing: before each checkpoint the holder commits to the lease group ({@link #fence}); the broker
 * refuses the commit of a member it has dropped (a paused or cut-off holder whose successor may
 * already train), so a stale holder stops before it writes anything. Nothing is ever produced to the topic.
 */
final class LineLease implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LineLease.class);
    private static final TopicPartition LEASE = new TopicPartition(Topics.TRAINER_LEASES, 0);

    /** Called on the lease's own thread: must not block. */
    interface Listener {
        void acquired();

        void lost();
    }

    /** This trainer no longer holds the line: it must not checkpoint or publish. */
    static final class LostException extends RuntimeException {
        LostException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String line;
    private final Listener listener;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final LinkedBlockingQueue<FutureTask<Void>> tasks = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean held;
    private volatile boolean closing;

    LineLease(String bootstrapServers, String line, Duration sessionTimeout, Listener listener) {
        this.line = line;
        this.listener = listener;
        int session = (int) sessionTimeout.toMillis();
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId(line),
                ConsumerConfig.CLIENT_ID_CONFIG, groupId(line) + "-" + ProcessHandle.current().pid(),
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName(),
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(500, session / 4),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "lease-" + line);
        this.thread.setDaemon(true);
    }

    static String groupId(String line) {
        return "rlhf-trainer-lease-" + line;
    }

    LineLease start() {
        thread.start();
        return this;
    }

    boolean held() {
        return held;
    }

    /**
     * Proves to the broker that this trainer still holds the line, just before {@code what} (e.g. a
     * checkpoint) is written; throws {@link LostException} if it does not.
     */
    void fence(String what) {
        if (!held) throw new LostException("line " + line + " is no longer held by this trainer: not writing " + what, null);
        FutureTask<Void> commit = new FutureTask<>(() -> {
            for (int attempt = 1; ; attempt++) {
                try {
                    consumer.commitSync(Map.of(LEASE, new OffsetAndMetadata(0, what)), Duration.ofSeconds(10));
                    return null;
                } catch (RebalanceInProgressException e) {
                    // a standby is joining: rejoin (keeping the partition, sticky) and commit with the new generation
                    if (attempt == 5) throw e;
                    consumer.poll(Duration.ofMillis(200));
                    if (!held) throw e;
                } catch (WakeupException e) {
                    // the wake-up below, when it came after the poll it was meant for: commit again
                    if (closing || attempt == 5) throw e;
                }
            }
        });
        tasks.add(commit);
        // the lease's thread runs it now, not when its poll of an idle topic times out (up to 200 ms, twice per version)
        consumer.wakeup();
        try {
            commit.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            drop("the broker refused its fencing commit: " + e.getCause());
            throw new LostException("line " + line + ": the lease group refused this trainer (" + e.getCause().getMessage()
                    + "): not writing " + what, e.getCause());
        } catch (TimeoutException e) {
            commit.cancel(false);
            throw new LostException("line " + line + ": could not confirm the lease within 30 s: not writing " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LostException("interrupted while confirming the lease of line " + line, e);
        }
    }

    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> owned = consumer) {
            consumer.subscribe(List.of(Topics.TRAINER_LEASES), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE) && !held) {
                        held = true;
                        LOG.infof("this trainer now holds line %s (lease group %s)", line, groupId(line));
                        listener.acquired();
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE)) drop("its partition was revoked");
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (partitions.contains(LEASE)) drop("the group dropped this member");
                }
            });
            while (!closing) {
                try {
                    consumer.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    if (closing) break;
                } catch (KafkaException e) {
                    // e.g. the broker away: the session may expire, the listener says so; keep trying
                    LOG.debugf("lease of line %s: %s", line, e.getMessage());
                }
                for (FutureTask<Void> task; (task = tasks.poll()) != null; ) task.run();
            }
            if (held) LOG.infof("handing line %s over (stopping)", line);
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.errorf(e, "the lease of line %s failed", line);
            drop("its consumer failed");
        }
    }

    private void drop(String why) {
        if (!held) return;
        held = false;
        if (closing) return; // handing over on a clean stop, which the service started
        LOG.warnf("this trainer lost line %s: %s", line, why);
        listener.lost();
    }
}
