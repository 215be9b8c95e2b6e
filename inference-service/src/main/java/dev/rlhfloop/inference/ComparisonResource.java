package dev.rlhfloop.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Slot;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

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

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response create(JsonNode body) {
        String prompt = null;
        if (body != null && !body.isNull()) {
            if (!body.isObject()) throw new ComparisonService.BadRequestException("the body must be a JSON object like {\"prompt\": \"...\"}");
            JsonNode field = body.get("prompt");
            if (field != null && !field.isNull()) {
                if (!field.isTextual()) throw new ComparisonService.BadRequestException("prompt must be a string");
                prompt = field.asText();
            }
        }
        Comparison comparison = comparisons.create(prompt);
        List<Map<String, Object>> answers = comparison.answers().stream()
                .map(a -> Map.<String, Object>of("slot", a.slot().name(), "generationId", a.generationId()))
                .toList();
        return Response.status(Response.Status.CREATED)
                .entity(Map.of("id", comparison.id(), "prompt", comparison.prompt(), "answers", answers))
                .build();
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> get(@PathParam("id") String id) {
        Comparison comparison = find(id);
        boolean reveal = comparison.voted();
        List<Map<String, Object>> answers = comparison.answers().stream().map(answer -> {
            AnswerStream.Snapshot snapshot = answer.snapshot();
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("slot", snapshot.slot().name());
            shown.put("generationId", snapshot.generationId());
            shown.put("text", snapshot.text());
            shown.put("done", snapshot.done());
            if (snapshot.error() != null) shown.put("error", snapshot.error());
            if (reveal) shown.put("modelVersion", answer.modelVersion());
            return shown;
        }).toList();
        Map<String, Object> shown = new LinkedHashMap<>();
        shown.put("id", comparison.id());
        shown.put("prompt", comparison.prompt());
        shown.put("answers", answers);
        return shown;
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
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
            send("token", Map.of("slot", slot.name(), "text", piece));
        }

        @Override
        public void done(Slot slot, String text) {
            send("done", Map.of("slot", slot.name(), "text", text));
            finished(slot);
        }

        @Override
        public void error(Slot slot, String reason) {
            send("error", Map.of("slot", slot.name(), "reason", reason));
            finished(slot);
        }

        private synchronized void send(String name, Map<String, String> data) {
            if (sink.isClosed()) {
                comparison.answers().forEach(answer -> answer.unsubscribe(this));
                return;
            }
            last = sink.send(sse.newEventBuilder().name(name).data(Json.writeString(data)).build());
        }

        private synchronized void finished(Slot slot) {
            if (++finished == comparison.answers().size()) {
                last.whenComplete((ok, error) -> sink.close());
            }
        }
    }
}
