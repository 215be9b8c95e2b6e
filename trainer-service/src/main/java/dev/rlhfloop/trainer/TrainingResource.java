package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Json;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/** What the trainer is doing: a snapshot, and a stream of progress, version and state events. */
@Path("/api/training")
public class TrainingResource {
    @Inject
    TrainingStatus status;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> training() {
        return status.snapshot();
    }

    /** {@code event: progress|version|state}, {@code data}: JSON; starts with the current state. */
    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@Context SseEventSink sink, @Context Sse sse) {
        AtomicReference<AutoCloseable> subscription = new AtomicReference<>();
        java.util.function.Consumer<TrainingStatus.Event> send = event -> {
            if (sink.isClosed()) throw new IllegalStateException("client gone");
            synchronized (sink) {
                sink.send(sse.newEventBuilder().name(event.name()).data(Json.writeString(event.data())).build())
                        .whenComplete((ok, error) -> {
                            if (error != null) close(subscription.get());
                        });
            }
        };
        send.accept(new TrainingStatus.Event("state", status.snapshot()));
        subscription.set(status.subscribe(send));
    }

    private static void close(AutoCloseable subscription) {
        if (subscription == null) return;
        try {
            subscription.close();
        } catch (Exception ignored) {
            // removing a listener cannot fail
        }
    }
}
