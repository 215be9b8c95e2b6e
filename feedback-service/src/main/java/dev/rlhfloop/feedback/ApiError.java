package dev.rlhfloop.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The body of every error answer: one sentence saying what to fix. */
public record ApiError(String error) {

    public static Response of(Response.Status status, String error) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(error)).build();
    }

    /** Maps failures to short JSON answers instead of stack traces. */
    public static class Mappers {
        @ServerExceptionMapper
        public Response malformedJson(JsonProcessingException e) {
            return of(Response.Status.BAD_REQUEST, "malformed JSON: " + e.getOriginalMessage());
        }

        /** The REST layer wraps unparsable bodies in a bare 400; give it the parser's reason. */
        @ServerExceptionMapper
        public Response unreadableBody(WebApplicationException e) {
            if (e.getCause() instanceof JsonProcessingException json) return malformedJson(json);
            return e.getResponse();
        }

        @ServerExceptionMapper
        public Response notStored(VotePublisher.NotAcknowledgedException e) {
            return of(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }

        @ServerExceptionMapper
        public Response storesLoading(StoreQueries.NotReadyException e) {
            return of(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }
}
