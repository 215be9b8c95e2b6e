package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.contracts.api.ChatEvent;
import dev.rlhfloop.contracts.api.ChatRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jboss.logging.Logger;

/**
 * Chat with one served version: the client sends the conversation so far and the next message; the
 * answer streams back as it is generated. It waits in the same bounded queue and runs on the same pool
 * as comparisons' answers, and publishes nothing (a chat is rated only once it is sent to rating as a
 * comparison).
 */
@ApplicationScoped
public class ChatService {
    private static final Logger LOG = Logger.getLogger(ChatService.class);

    @Inject
    ComparisonService comparisons;

    @Inject
    ModelRegistry registry;

    @Inject
    InferenceConfig config;

    /** Checks the request and admits it (or throws for a 4xx/503 answer), then streams the answer to {@code sink}. */
    void answer(ChatRequest request, SseEventSink sink, Sse sse) {
        ServedModel model = request.version() == null || request.version().isBlank() ? registry.current()
                : registry.find(request.version()).orElseThrow(() -> new ComparisonService.BadRequestException(
                        "version " + request.version() + " is not served here: GET /api/chat/versions lists those that are"));
        comparisons.checkPrompt(request.prompt());
        List<Turn> history = request.history() == null ? List.of()
                : request.history().stream().map(t -> new Turn(t.prompt(), t.answer())).toList();
        ConversationPrompt.Fitted fitted = ConversationPrompt.fit(model, history, request.prompt(), config.sampling().maxNewTokens());
        Relay relay = new Relay(sink, sse);
        long seed = comparisons.newSeed();
        comparisons.submitAlone(() -> {
            relay.send("start", ChatEvent.start(model.versionId(), fitted.dropped()));
            try {
                AnswerGenerator.Result result = AnswerGenerator.generate(model, fitted.tokenIds(), comparisons.settings(model, seed),
                        piece -> relay.send("token", ChatEvent.text(piece)));
                relay.send("done", ChatEvent.text(result.text()));
            } catch (RuntimeException e) {
                LOG.errorf(e, "a chat answer of version %s failed", model.versionId());
                relay.send("error", ChatEvent.failed("generation failed: " + e.getMessage()));
            }
            relay.close();
        });
        // a comment now, so the response headers go out even while the answer waits in the queue
        relay.comment("chat with " + model.versionId());
    }

    /** One client's stream; sends are serialised, and a client that went away is simply not written to. */
    private static final class Relay {
        private final SseEventSink sink;
        private final Sse sse;
        private CompletionStage<?> last = CompletableFuture.completedFuture(null);

        Relay(SseEventSink sink, Sse sse) {
            this.sink = sink;
            this.sse = sse;
        }

        synchronized void comment(String text) {
            if (!sink.isClosed()) last = sink.send(sse.newEventBuilder().comment(text).build());
        }

        synchronized void send(String name, ChatEvent data) {
            if (!sink.isClosed()) last = sink.send(sse.newEventBuilder().name(name).data(Json.writeString(data)).build());
        }

        synchronized void close() {
            last.whenComplete((ok, error) -> sink.close());
        }
    }
}
