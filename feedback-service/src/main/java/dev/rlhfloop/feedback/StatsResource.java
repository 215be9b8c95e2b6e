package dev.rlhfloop.feedback;

import dev.rlhfloop.feedback.streams.StatsReport;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/stats}: per model version, votes and outcomes, and the win rate against the SFT baseline. */
@Path("/api/stats")
public class StatsResource {
    @Inject
    FeedbackStores stores;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public StatsReport stats() {
        return stores.stats();
    }
}
