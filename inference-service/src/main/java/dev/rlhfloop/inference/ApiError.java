package dev.rlhfloop.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The body of every error answer (docs/web-api.md): a code the UI recognises and a sentence for a person. */
public record ApiError(String error, String reason) {

    public static Response of(Response.Status status, String error, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiError(error, reason)).build();
    }

    /** Maps failures to short JSON answers instead of stack traces. */
    public static class Mappers {
        @ServerExceptionMapper
        public Response malformedJson(JsonProcessingException e) {
            return of(Response.Status.BAD_REQUEST, "bad_request", "malformed JSON: " + e.getOriginalMessage());
        }

        /** The REST layer wraps unparsable bodies in a bare 400; give it the parser's reason. */
        @ServerExceptionMapper
        public Response unreadableBody(WebApplicationException e) {
            if (e.getCause() instanceof JsonProcessingException json) return malformedJson(json);
            return e.getResponse();
        }

        @ServerExceptionMapper
        public Response badRequest(ComparisonService.BadRequestException e) {
            return of(Response.Status.BAD_REQUEST, "bad_request", e.getMessage());
        }

        @ServerExceptionMapper
        public Response noModel(ModelRegistry.NoModelException e) {
            return of(Response.Status.SERVICE_UNAVAILABLE, "no_model", e.getMessage());
        }

        @ServerExceptionMapper
        public Response unknownComparison(ComparisonResource.UnknownComparisonException e) {
            return of(Response.Status.NOT_FOUND, "not_found", e.getMessage());
        }
    }
}
