package dev.rlhfloop.feedback;

import dev.rlhfloop.feedback.streams.PartialStats;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * This instance's share of the statistics, for the other feedback instances that answer
 * {@code GET /api/stats} (see {@link StoreQueries}). Not public: the gateway routes only /api.
 */
@Path(StoreQueries.SHARE_PATH)
public class StatsShareResource {
    @Inject
    FeedbackStores stores;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public PartialStats share() {
        return stores.share();
    }
}
