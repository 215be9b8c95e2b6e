package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.api.Stats;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/** {@code GET /api/stats}: per model version, votes and outcomes, and the win rate against the SFT baseline. */
@Path("/api/stats")
public class StatsResource {
    @Inject
    FeedbackStores stores;

    @Inject
    StatsEvents events;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Stats stats() {
        return stores.stats();
    }

    /**
     * {@code event: stats}, {@code data}: the body of {@code GET /api/stats}, on connect and whenever
     * it changes (checked every {@code feedback.stats.events.check-interval}); comments keep a quiet
     * stream open. 503 like {@code GET /api/stats} while the statistics cannot be gathered.
     */
    @GET
    @Path("/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@Context SseEventSink sink, @Context Sse sse) {
        events.subscribe(sink, sse);
    }
}
