package dev.rlhfloop.inference;

import dev.rlhfloop.service.ApiError;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** inference-service's own failures as {@link ApiError}s (the shared ones are in service-support's ApiErrorMappers). */
public class ErrorMappers {
    @ServerExceptionMapper
    public Response badRequest(ComparisonService.BadRequestException e) {
        return ApiError.badRequest(e.getMessage());
    }

    @ServerExceptionMapper
    public Response queueFull(ComparisonService.QueueFullException e) {
        return ApiError.retryLater(ApiError.Code.OVERLOADED, e.getMessage(), config.queueFullRetryAfter());
    }

    @jakarta.inject.Inject
    InferenceConfig config;

    @ServerExceptionMapper
    public Response noModel(ModelRegistry.NoModelException e) {
        return ApiError.response(ApiError.Code.NO_MODEL, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unknownComparison(ComparisonResource.UnknownComparisonException e) {
        return ApiError.notFound(e.getMessage());
    }
}
