package dev.rlhfloop.trainer;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** The error body every service answers with: {@code {"error": "<code>", "reason": "<sentence>"}}. */
final class ApiError {
    private ApiError() {}

    static Response of(Response.Status status, String code, String reason) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", code, "reason", reason)).build();
    }

    static Response badRequest(String reason) {
        return of(Response.Status.BAD_REQUEST, "bad_request", reason);
    }
}
