package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.contracts.api.VoteAccepted;
import dev.rlhfloop.contracts.api.VoteRequest;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.Auth;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /api/votes}: a rater's verdict on a comparison, by the rater of the caller's session
 * (401 without one, or for a revoked rater). Answers 202 only once Kafka has the
 * vote (the request's thread does not wait for that: the answer is written when the acknowledgement
 * arrives). A comparison is refused as unknown only when the instance that keeps its partition (this
 * one, or another asked over HTTP) has not seen its answers. A rater's repeated vote on the same comparison is answered 202 with {@code "duplicate": true}
 * and counts once (the stream topology drops any repeat that gets past this check).
 */
@Path("/api/votes")
public class VoteResource {
    @Inject
    VotePublisher publisher;

    @Inject
    FeedbackStores stores;

    @Inject
    Auth auth;

    @Inject
    RaterDirectory raters;

    @ConfigProperty(name = "feedback.votes.reject-unknown-comparisons", defaultValue = "true")
    boolean rejectUnknownComparisons;

    /** How long a vote waits for its comparison's answers to reach the stores before it is refused as unknown. */
    @ConfigProperty(name = "feedback.votes.unknown-comparison-wait", defaultValue = "5s")
    Duration unknownComparisonWait;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A rater's verdict on a comparison; 202 only once Kafka has acknowledged it",
            description = "A rater's second vote on the same comparison counts once (202 with `duplicate` true).")
    @APIResponse(responseCode = "202", description = "the vote is on the votes topic (or was already)",
            content = @Content(schema = @Schema(implementation = VoteAccepted.class)))
    @APIResponse(responseCode = "400", description = "a field is missing or wrong, or the comparison is unknown (`bad_request`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not take the vote: nothing was stored (`broker_unavailable`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no rater session (`unauthorized`): POST /api/session first",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @Blocking   // the store lookup, and the producer when it has no metadata yet; the acknowledgement is not waited for here
    public Uni<Response> vote(@Valid @NotNull(message = "is missing: send a JSON vote {comparisonId, choice, reason}") VoteRequest request,
                         @Context HttpHeaders headers) {
        String rater = auth.requireRater(auth.identify(headers));
        if (raters.isRevoked(rater)) throw SessionResource.revoked();
        String comparisonId = request.comparisonId().strip();
        Choice choice = request.choice();
        String reason = request.reason() == null || request.reason().isBlank() ? null : request.reason().strip();

        StoreQueries.Lookup lookup = knownComparison(comparisonId);
        Optional<ComparisonState> known = lookup.state();
        if (known.isPresent() && known.get().hasVoteFrom(rater)) {
            VoteEvent first = known.get().votesByRater().get(rater).vote();
            return Uni.createFrom().item(Response.accepted(new VoteAccepted(first.voteId(), comparisonId, first.choice(), true, null, null)).build());
        }
        if (known.isEmpty() && rejectUnknownComparisons && lookup.fromKeeper()) {
            return Uni.createFrom().item(ApiError.badRequest("unknown comparison " + comparisonId));
        }
        VoteEvent vote = VoteEvent.of(comparisonId, choice, rater, reason, Instant.now());
        return publisher.publish(vote).map(stored ->
                Response.accepted(new VoteAccepted(vote.voteId(), comparisonId, choice, false, stored.partition(), stored.offset())).build());
    }

    /**
     * The comparison as the stores know it. Answers are published when they finish, so a quick rater
     * can be a moment ahead of the stores: wait a little before calling a comparison unknown.
     */
    private StoreQueries.Lookup knownComparison(String comparisonId) {
        Instant deadline = Instant.now().plus(unknownComparisonWait);
        while (true) {
            StoreQueries.Lookup lookup;
            try {
                lookup = stores.lookup(comparisonId);
            } catch (StoreQueries.NotReadyException e) {
                return StoreQueries.Lookup.NOT_ASKED;
            }
            if (lookup.state().isPresent() || !rejectUnknownComparisons || Instant.now().isAfter(deadline)) return lookup;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return lookup;
            }
        }
    }
}
