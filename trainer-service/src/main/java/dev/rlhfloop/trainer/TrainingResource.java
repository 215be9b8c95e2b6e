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
import dev.rlhfloop.contracts.api.ModelEntry;
import dev.rlhfloop.contracts.api.Training;
import dev.rlhfloop.contracts.api.TrainingProgress;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.util.concurrent.atomic.AtomicReference;

/** What the trainer is doing: a snapshot, and a stream of progress, version and state events. */
@Path("/api/training")
public class TrainingResource {
    @Inject
    TrainingStatus status;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "What the trainer is doing now, with the live line's loss curve")
    public Training training() {
        return status.snapshot();
    }

    /** {@code event: progress|version|state}, {@code data}: JSON; starts with the current state. */
    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The trainer's progress, new versions and state changes (Server-Sent Events)",
            description = "Starts with `event: state` (a Training), then `event: progress` (a TrainingProgress: a point on a loss curve), "
                    + "`event: version` (a new /api/models entry, a ModelEntry), `event: state` (the trainer's state changed).")
    @APIResponse(responseCode = "200", description = "the event stream", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(oneOf = {Training.class, TrainingProgress.class, ModelEntry.class})))
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
