package dev.rlhfloop.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The failures every service shares, answered as {@link ApiError}s instead of bare statuses or stack
 * traces: an unparsable JSON body, a body that breaks its record's Bean Validation rules, and the
 * REST layer's own refusals (unknown sub-path, wrong method or media type). Each service maps its
 * own exceptions beside its resources, with the same record.
 */
public class ApiErrorMappers {

    /** A body that is not JSON, or a field of the wrong type or value: the reason names the field when Jackson knows it. */
    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping) {
            String field = fieldOf(mapping);
            if (!field.isEmpty()) return ApiError.badRequest(field + ": " + withoutPackages(e.getOriginalMessage()));
            if (e instanceof MismatchedInputException) {
                return ApiError.badRequest("the body must be a JSON object of the documented shape: " + withoutPackages(e.getOriginalMessage()));
            }
        }
        return ApiError.badRequest("malformed JSON: " + withoutPackages(e.getOriginalMessage()));
    }

    private static final java.util.regex.Pattern QUOTED_TYPE = java.util.regex.Pattern.compile("`([^`]*)`");
    private static final java.util.regex.Pattern PACKAGE = java.util.regex.Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+(?=[A-Z])");

    /**
     * Jackson names the Java types it could not build, in backquotes ("value of type
     * `dev.rlhfloop.contracts.Choice`"): a client needs the type's simple name, not the code's layout.
     */
    static String withoutPackages(String message) {
        if (message == null) return "";
        return QUOTED_TYPE.matcher(message).replaceAll(m -> java.util.regex.Matcher.quoteReplacement("`" + PACKAGE.matcher(m.group(1)).replaceAll("") + "`"));
    }

    @ServerExceptionMapper
    public Response refused(dev.rlhfloop.service.auth.Auth.AuthException e) {
        Response.ResponseBuilder answer = Response.status(e.code().status()).type(MediaType.APPLICATION_JSON)
                .entity(ApiError.of(e.code(), e.getMessage()));
        if (e.code() == ApiError.Code.UNAUTHORIZED) answer.header("WWW-Authenticate", "Bearer");
        return answer.build();
    }

    /** Mapped by its own type too, since the REST layer has a built-in mapper (without our body) for exactly this type. */
    @ServerExceptionMapper
    public Response wrongShape(MismatchedInputException e) {
        return malformedJson(e);
    }

    /** Bean Validation on a request record: every broken rule, each with its field, e.g. "rater must not be blank". */
    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String reason = e.getConstraintViolations().stream()
                .map(v -> fieldOf(v) + " " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return ApiError.badRequest(reason.isEmpty() ? e.getMessage() : reason);
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

    /** The JSON field a violation is about ("rater", "fromOffsets[\"0\"]", "fromOffsets key \"x\""), or "the body" when it is about the whole body (e.g. none sent). */
    static String fieldOf(ConstraintViolation<?> violation) {
        StringBuilder field = new StringBuilder();
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == ElementKind.METHOD || node.getKind() == ElementKind.PARAMETER) continue;
            if (node.getKind() == ElementKind.CONTAINER_ELEMENT) {
                if ("<map key>".equals(node.getName())) field.append(" key \"").append(node.getKey()).append('"');
                else if (node.getKey() != null) field.append("[\"").append(node.getKey()).append("\"]");
                else if (node.getIndex() != null) field.append('[').append(node.getIndex()).append(']');
                continue;
            }
            if (node.getIndex() != null) field.append('[').append(node.getIndex()).append(']');
            if (node.getKey() != null) field.append("[\"").append(node.getKey()).append("\"]");
            if (node.getName() != null) field.append(field.isEmpty() ? "" : ".").append(node.getName());
        }
        return field.isEmpty() ? "the body" : field.toString();
    }

    private static String fieldOf(JsonMappingException e) {
        StringBuilder field = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) field.append(field.isEmpty() ? "" : ".").append(ref.getFieldName());
            else if (ref.getIndex() >= 0) field.append('[').append(ref.getIndex()).append(']');
        }
        return field.toString();
    }
}
