package dev.rlhfloop.feedback;

import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.feedback.streams.PartialStats;
import dev.rlhfloop.service.ApiError;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * What this instance's stores hold, for the other feedback instances (see {@link StoreQueries}):
 * its share of the statistics, and the comparisons of its partitions. Not public: the gateway
 * routes only /api.
 */
@Path("/internal")
public class InternalResource {
    @Inject
    FeedbackStores stores;

    @GET
    @Path("/stats/share")
    @Produces(MediaType.APPLICATION_JSON)
    public PartialStats share() {
        return stores.share();
    }

    @GET
    @Path("/comparisons/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response comparison(@PathParam("id") String id) {
        return stores.comparison(id)
                .map(state -> Response.ok(state).build())
                .orElseGet(() -> ApiError.notFound("this instance knows no comparison " + id));
    }
}
