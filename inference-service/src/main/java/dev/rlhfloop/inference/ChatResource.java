package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.api.ChatEvent;
import dev.rlhfloop.contracts.api.ChatRequest;
import dev.rlhfloop.contracts.api.ChatVersions;
import dev.rlhfloop.service.ApiError;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Chat with one served version (docs/web-api.md): the versions to pick from, and the next answer, streamed. */
@Path("/api/chat")
public class ChatResource {

    @Inject
    ChatService chats;

    @Inject
    ModelRegistry registry;

    @GET
    @Path("/versions")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The versions one can chat with here, newest first, and the one that answers by default")
    @APIResponse(responseCode = "200", description = "the versions")
    @APIResponse(responseCode = "503", description = "no model yet (`no_model`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public ChatVersions versions() {
        String latest = registry.current().versionId();
        return new ChatVersions(latest, registry.resident().stream().map(ServedModel::versionId).toList());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The next answer of a chat, streamed (Server-Sent Events)",
            description = "Named events, each `data` a JSON ChatEvent: `start` {version, droppedTurns}; `token` {text: the next piece}; "
                    + "`done` {text: the full answer}; `error` {reason}. The stream closes after done or error.")
    @APIResponse(responseCode = "200", description = "the event stream", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS,
            schema = @Schema(implementation = ChatEvent.class)))
    @APIResponse(responseCode = "400", description = "a missing, blank or too long prompt, a version not served (`bad_request`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "no model yet (`no_model`), or the generation queue is full (`overloaded`, Retry-After)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public void chat(@Valid @NotNull(message = "the body is missing: send {\"prompt\": \"...\"}") ChatRequest request,
                     @Context SseEventSink sink, @Context Sse sse) {
        chats.answer(request, sink, sse);
    }
}
