package dev.rlhfloop.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The subscribers of {@code GET /api/stats/events} and the one check that feeds them all. Kafka
 * Streams gives no notification that covers every instance's share of the statistics, so the
 * whole body of {@code GET /api/stats} is built again at a short interval (once per instance,
 * however many browsers listen) and sent to a subscriber only when it differs from what that
 * subscriber last got. A comment goes out on a quiet stream so that proxies keep it open.
 */
@ApplicationScoped
public class StatsEvents {
    private static final Logger LOG = Logger.getLogger(StatsEvents.class);
    static final String EVENT_NAME = "stats";

    @Inject
    FeedbackStores stores;

    /** The mapper the REST API writes {@code GET /api/stats} with (TopologyProducer), so both bodies are the same text. */
    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "feedback.stats.events.check-interval", defaultValue = "1s")
    Duration checkInterval;

    @ConfigProperty(name = "feedback.stats.events.keep-alive", defaultValue = "15s")
    Duration keepAlive;

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService checker;
    private ScheduledFuture<?> checking;

    /** One open stream: what it was last sent, and when anything was last written to it. */
    private static final class Subscriber {
        final SseEventSink sink;
        String lastBody;
        long lastWriteNanos;

        Subscriber(SseEventSink sink, String firstBody) {
            this.sink = sink;
            this.lastBody = firstBody;
            this.lastWriteNanos = System.nanoTime();
        }
    }

    /** The statistics now, as the exact text {@code GET /api/stats} answers; throws NotReadyException like it. */
    String bodyNow() {
        try {
            return json.writeValueAsString(stores.stats());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens a stream: the statistics now as its first event, then changes. Throws before anything
     * is written when the statistics cannot be gathered, so the client gets the 503 of
     * {@code GET /api/stats} (and the dashboard polls instead).
     */
    public void subscribe(SseEventSink sink, Sse sse) {
        String first = bodyNow();
        Subscriber subscriber = new Subscriber(sink, first);
        synchronized (subscriber) {
            sink.send(statsEvent(sse, first)).whenComplete((ok, error) -> {
                if (error != null) drop(subscriber);
            });
        }
        subscribers.add(subscriber);
        startChecking(sse);
    }

    private synchronized void startChecking(Sse sse) {
        if (checker == null) {
            checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "stats-events");
                thread.setDaemon(true);
                return thread;
            });
        }
        if (checking == null) {
            long millis = checkInterval.toMillis();
            checking = checker.scheduleWithFixedDelay(() -> check(sse), millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    /** Builds the body once and sends it where it changed; stops when nobody listens. */
    private void check(Sse sse) {
        try {
            subscribers.removeIf(s -> s.sink.isClosed());
            if (subscribers.isEmpty()) {
                stopCheckingIfIdle();
                return;
            }
            String body;
            try {
                body = bodyNow();
            } catch (StoreQueries.NotReadyException e) {
                // rebalancing or another instance unreachable: keep the streams open with the last
                // statistics, and let keep-alives hold them until the stores answer again
                body = null;
            }
            long now = System.nanoTime();
            for (Subscriber subscriber : subscribers) {
                synchronized (subscriber) {
                    OutboundSseEvent event;
                    if (body != null && !body.equals(subscriber.lastBody)) {
                        event = statsEvent(sse, body);
                        subscriber.lastBody = body;
                    } else if (now - subscriber.lastWriteNanos >= keepAlive.toNanos()) {
                        event = sse.newEventBuilder().comment("keep-alive").build();
                    } else {
                        continue;
                    }
                    subscriber.lastWriteNanos = now;
                    subscriber.sink.send(event).whenComplete((ok, error) -> {
                        if (error != null) drop(subscriber);
                    });
                }
            }
        } catch (RuntimeException e) {
            // a failed check must not cancel the schedule: the next one may succeed
            LOG.warnf("checking the statistics for /api/stats/events failed: %s", e.toString());
        }
    }

    private synchronized void stopCheckingIfIdle() {
        if (subscribers.isEmpty() && checking != null) {
            checking.cancel(false);
            checking = null;
        }
    }

    private void drop(Subscriber subscriber) {
        subscribers.remove(subscriber);
        subscriber.sink.close();
    }

    private static OutboundSseEvent statsEvent(Sse sse, String body) {
        return sse.newEventBuilder().name(EVENT_NAME).data(body).build();
    }

    /** Open streams end with the service, so clients reconnect elsewhere instead of hanging. */
    void onStop(@Observes ShutdownEvent event) {
        synchronized (this) {
            if (checker != null) checker.shutdownNow();
        }
        for (Subscriber subscriber : subscribers) subscriber.sink.close();
        subscribers.clear();
    }
}
