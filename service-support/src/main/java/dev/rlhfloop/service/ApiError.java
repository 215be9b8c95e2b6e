package dev.rlhfloop.service;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The body of every error answer of every service (docs/web-api.md; {@code Error} in the OpenAPI document):
 * {@code {"error": "<code>", "reason": "<sentence for a person>"}}. The code is one of {@link Code},
 * for programs (the web app picks its headline by it); the reason is what a person reads.
 */
@Schema(name = "Error", description = "every error answer of every service and the gateway")
public record ApiError(
        @Schema(required = true, description = "what went wrong, for programs", enumeration = {"bad_request", "not_found", "trainer_busy", "no_model",
                "broker_unavailable", "stores_loading", "unauthorized", "forbidden", "rate_limited", "too_large", "overloaded",
                "service_unavailable", "timeout"}) String error,
        @Schema(required = true, description = "what went wrong, for a person: one sentence, never a stack trace") String reason) {

    /** The codes the services answer with, each with its one HTTP status. */
    public enum Code {
        /** The request is malformed or refused; the reason says what to fix. */
        BAD_REQUEST(Response.Status.BAD_REQUEST),
        /** No such item here (comparison, model version, route). */
        NOT_FOUND(Response.Status.NOT_FOUND),
        /** trainer-service: a replay is already running. */
        TRAINER_BUSY(Response.Status.CONFLICT),
        /** inference-service: no model version is loaded yet (bootstrapping). */
        NO_MODEL(Response.Status.SERVICE_UNAVAILABLE),
        /** Kafka did not take the event in time (a vote, a smoke ping): nothing was stored. */
        BROKER_UNAVAILABLE(Response.Status.SERVICE_UNAVAILABLE),
        /** feedback-service: the statistics stores are being rebuilt or rebalanced; try again shortly. */
        STORES_LOADING(Response.Status.SERVICE_UNAVAILABLE),
        /** No credentials, or credentials that are not valid (docs/security.md). */
        UNAUTHORIZED(Response.Status.UNAUTHORIZED),
        /** Valid credentials that do not allow this (a rater's session on an admin action). */
        FORBIDDEN(Response.Status.FORBIDDEN),
        /** A rate limit or daily cap was reached; {@code Retry-After} says when to try again. */
        RATE_LIMITED(Response.Status.TOO_MANY_REQUESTS),
        /** The request body is larger than the endpoint takes. */
        TOO_LARGE(Response.Status.REQUEST_ENTITY_TOO_LARGE),
        /** inference-service: the generation queue is full; {@code Retry-After} says when to try again. */
        OVERLOADED(Response.Status.SERVICE_UNAVAILABLE);

        private final Response.Status status;

        Code(Response.Status status) {
            this.status = status;
        }

        public Response.Status status() {
            return status;
        }

        /** As it appears in the body, e.g. "bad_request". */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static ApiError of(Code code, String reason) {
        return new ApiError(code.json(), reason);
    }

    /** Seconds a client waits before trying a 503 again: about a broker restart under the launcher. */
    public static final int RETRY_AFTER_SECONDS = 5;

    /** The answer: the code's status, and this body; a 503 says when to try again. */
    public static Response response(Code code, String reason) {
        var answer = Response.status(code.status()).type(MediaType.APPLICATION_JSON).entity(of(code, reason));
        if (code.status() == Response.Status.SERVICE_UNAVAILABLE) answer.header("Retry-After", RETRY_AFTER_SECONDS);
        return answer.build();
    }

    /** A refusal that will pass: the code's status, this body, and {@code Retry-After} in whole seconds (at least 1). */
    public static Response retryLater(Code code, String reason, java.time.Duration after) {
        long seconds = Math.max(1, (after.toMillis() + 999) / 1000);
        return Response.status(code.status()).type(MediaType.APPLICATION_JSON).header("Retry-After", seconds)
                .entity(of(code, reason)).build();
    }

    public static Response badRequest(String reason) {
        return response(Code.BAD_REQUEST, reason);
    }

    public static Response notFound(String reason) {
        return response(Code.NOT_FOUND, reason);
    }
}
