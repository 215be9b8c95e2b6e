package dev.rlhfloop.feedback;

import dev.rlhfloop.service.ApiError;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** feedback-service's own failures as {@link ApiError}s (the shared ones are in service-support's ApiErrorMappers). */
public class ErrorMappers {
    @ServerExceptionMapper
    public Response notStored(VotePublisher.NotAcknowledgedException e) {
        return ApiError.response(ApiError.Code.BROKER_UNAVAILABLE, e.getMessage());
    }

    @ServerExceptionMapper
    public Response storesLoading(StoreQueries.NotReadyException e) {
        return ApiError.response(ApiError.Code.STORES_LOADING, e.getMessage());
    }
}
