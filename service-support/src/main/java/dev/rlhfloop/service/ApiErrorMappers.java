package dev.rlhfloop.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The failures every service shares, answered as {@link ApiError}s instead of bare statuses or stack
 * traces: an unparsable JSON body, and the REST layer's own refusals (unknown sub-path, wrong method
 * or media type). Each service maps its own exceptions beside its resources, with the same record.
 */
public class ApiErrorMappers {

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        return ApiError.badRequest("malformed JSON: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response refused(dev.rlhfloop.service.auth.Auth.AuthException e) {
        Response.ResponseBuilder answer = Response.status(e.code().status()).type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(e.code(), e.getMessage()));
        if (e.code() == ApiError.Code.UNAUTHORIZED) answer.header("WWW-Authenticate", "Bearer");
        return answer.build();
    }

    /** The REST layer wraps an unparsable body in a bare 400; its other refusals have no body either. */
    @ServerExceptionMapper
    public Response refused(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) return malformedJson(json);
        Response refusal = e.getResponse();
        if (refusal.hasEntity() || refusal.getStatus() >= 500) return refusal;
        ApiError.Code code = refusal.getStatus() == 404 ? ApiError.Code.NOT_FOUND : ApiError.Code.BAD_REQUEST;
        String reason = e.getMessage() == null || e.getMessage().isBlank() ? refusal.getStatusInfo().getReasonPhrase() : e.getMessage();
        return Response.fromResponse(refusal).type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(code, reason)).build();
    }
}
