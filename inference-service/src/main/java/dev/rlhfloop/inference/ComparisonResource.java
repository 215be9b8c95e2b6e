package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.contracts.api.AnswerEvent;
import dev.rlhfloop.contracts.api.ComparisonCreated;
import dev.rlhfloop.contracts.api.ComparisonView;
import dev.rlhfloop.contracts.api.CreateComparison;
import dev.rlhfloop.service.ApiError;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

/** The comparison API of docs/web-api.md: start one, stream its answers (SSE), read it back. */
@Path("/api/comparisons")
public class ComparisonResource {

    public static final class UnknownComparisonException extends RuntimeException {
        UnknownComparisonException(String id) {
            super("no comparison " + id + " here (it may have been forgotten, or started on another instance)");
        }
    }

    @Inject
    ComparisonService comparisons;

    @Inject
    dev.rlhfloop.service.auth.Auth auth;

    @Inject
    ComparisonViews views;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a comparison, two answers generated for one prompt")
    @APIResponse(responseCode = "201", description = "the comparison; its answers are generated in the background",
            content = @Content(schema = @Schema(implementation = ComparisonCreated.class)))
    @APIResponse(responseCode = "400", description = "the prompt is blank or too long, or the mode unknown, or line-vs-line while no "
            + "line is served beside the live one (`bad_request`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "no model yet, or the served line's version not loaded yet (`no_model`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public RestResponse<ComparisonCreated> create(@Valid CreateComparison request, @Context jakarta.ws.rs.core.HttpHeaders headers) {
        List<Turn> history = request == null || request.history() == null ? List.of()
                : request.history().stream().map(t -> new Turn(t.prompt(), t.answer())).toList();
        // the rater (if the session names one) may be given a comparison another rater voted on
        Comparison comparison = comparisons.create(request == null ? null : request.prompt(), history, auth.identify(headers).raterId(),
                request == null ? null : CompareMode.named(request.mode()));
        return RestResponse.status(RestResponse.Status.CREATED, views.created(comparison));
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A comparison's answers so far; which version wrote each is shown only after a vote")
    @APIResponse(responseCode = "200", description = "the comparison now")
    @APIResponse(responseCode = "404", description = "no such comparison here (`not_found`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public ComparisonView get(@PathParam("id") String id) {
        return views.view(find(id));
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The answers' tokens as they are generated (Server-Sent Events)",
            description = "Named events, each `data` a JSON AnswerEvent: `token` {slot, text: the next piece}; `done` {slot, text: the full answer} "
                    + "(one per slot); `error` {slot, reason}. The stream closes after both answers are done or failed.")
    @APIResponse(responseCode = "200", description = "the event stream", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(implementation = AnswerEvent.class)))
    @APIResponse(responseCode = "404", description = "no such comparison here (`not_found`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public void events(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        new Relay(find(id), sink, sse).start();
    }

    private Comparison find(String id) {
        return comparisons.find(id).orElseThrow(() -> new UnknownComparisonException(id));
    }

    /** Forwards one comparison's answers to one SSE client, in order, and closes after both are finished. */
    private static final class Relay implements AnswerStream.Listener {
        private final Comparison comparison;
        private final SseEventSink sink;
        private final Sse sse;
        private CompletionStage<?> last = CompletableFuture.completedFuture(null);
        private int finished;

        Relay(Comparison comparison, SseEventSink sink, Sse sse) {
            this.comparison = comparison;
            this.sink = sink;
            this.sse = sse;
        }

        void start() {
            // a comment first, so the response headers go out now even if both answers wait in the pool's queue
            synchronized (this) {
                last = sink.send(sse.newEventBuilder().comment("comparison " + comparison.id()).build());
            }
            for (AnswerStream answer : comparison.answers()) answer.subscribe(this);
        }

        @Override
        public void token(Slot slot, String piece) {
            send(slot, "token", AnswerEvent.text(slot, piece));
        }

        @Override
        public void done(Slot slot, String text) {
            send(slot, "done", AnswerEvent.text(slot, text));
            finished(slot);
        }

        @Override
        public void error(Slot slot, String reason) {
            send(slot, "error", AnswerEvent.failed(slot, reason));
            finished(slot);
        }

        /**
         * Called with {@code slot}'s stream locked: a client that went away is unsubscribed from that
         * stream only (taking the other stream's lock here could deadlock with its generator thread).
         */
        private void send(Slot slot, String name, AnswerEvent data) {
            boolean closed;
            synchronized (this) {
                closed = sink.isClosed();
                if (!closed) last = sink.send(sse.newEventBuilder().name(name).data(Json.writeString(data)).build());
            }
            if (closed) {
                comparison.answers().stream().filter(a -> a.slot() == slot).forEach(a -> a.unsubscribe(this));
            }
        }

        private synchronized void finished(Slot slot) {
            if (++finished == comparison.answers().size()) {
                last.whenComplete((ok, error) -> sink.close());
            }
        }
    }
}
