package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.api.ThumbsAccepted;
import dev.rlhfloop.contracts.api.ThumbsRequest;
import dev.rlhfloop.contracts.api.ThumbsRequest.Thumb;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.Auth;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * {@code POST /api/thumbs/{comparisonId}/{slot}}: a rater's thumbs up or down on one answer of a
 * comparison, rated alone (no pairwise vote needed), by the rater of the caller's session (401
 * without one). Answers 202 only once Kafka has it on rlhf.thumbs, with the prompt and answer the
 * comparison's stores hold, so the trainer (KTO) needs nothing else. One thumbs per rater per
 * answer: a repeat is answered 202 with {@code "duplicate": true} and the first thumbs, which is
 * the one that counts (a changed mind is not taken back).
 */
@Path("/api/thumbs/{comparisonId}/{slot}")
public class ThumbsResource {
    @Inject
    ThumbsPublisher publisher;

    @Inject
    FeedbackStores stores;

    @Inject
    Auth auth;

    @Inject
    RaterDirectory raters;

    /** As for a vote: how long a thumbs waits for its answer to reach the stores before the answer is called unknown. */
    @ConfigProperty(name = "feedback.votes.unknown-comparison-wait", defaultValue = "5s")
    Duration unknownAnswerWait;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A rater's thumbs up or down on one answer (slot A or B) of a comparison; 202 only once Kafka has it",
            description = "One thumbs per rater per answer: a repeat is answered 202 with `duplicate` true and the first thumbs, which counts.")
    @APIResponse(responseCode = "202", description = "the thumbs is on rlhf.thumbs (or was already)",
            content = @Content(schema = @Schema(implementation = ThumbsAccepted.class)))
    @APIResponse(responseCode = "400", description = "the slot is not A or B, or the body is wrong (`bad_request`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no rater session (`unauthorized`): POST /api/session first",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such comparison, or its answer in that slot is not finished (`not_found`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not take the thumbs, or the stores are loading: nothing was stored "
            + "(`broker_unavailable`, `stores_loading`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response thumbs(@PathParam("comparisonId") String comparisonId, @PathParam("slot") String slotText,
                           @Valid @NotNull(message = "is missing: send {\"thumb\": \"UP\"} or {\"thumb\": \"DOWN\"}") ThumbsRequest request,
                           @Context HttpHeaders headers) {
        String rater = auth.requireRater(auth.identify(headers));
        if (raters.isRevoked(rater)) throw SessionResource.revoked();
        Optional<Slot> slot = slot(slotText);
        if (slot.isEmpty()) return ApiError.badRequest("slot must be A or B, was '" + slotText + "'");
        String id = comparisonId.strip();

        ComparisonState state = answered(id, slot.get());
        Optional<GenerationEvent> answer = state == null ? Optional.empty() : state.answer(slot.get());
        if (answer.isEmpty()) {
            return ApiError.notFound(state == null ? "unknown comparison " + id
                    : "comparison " + id + " has no finished answer in slot " + slot.get());
        }
        Optional<Boolean> first = state.thumbsFrom(rater, slot.get());
        if (first.isPresent()) {
            return Response.accepted(new ThumbsAccepted(ThumbsEvent.idFor(id, slot.get(), rater), id, slot.get(), Thumb.of(first.get()),
                    true, null, null)).build();
        }
        ThumbsEvent event = ThumbsEvent.of(answer.get(), request.thumb().up(), rater, Instant.now());
        RecordMetadata stored = publisher.publish(event);
        return Response.accepted(new ThumbsAccepted(event.thumbsId(), id, event.slot(), request.thumb(), false,
                stored.partition(), stored.offset())).build();
    }

    private static Optional<Slot> slot(String text) {
        try {
            return Optional.of(Slot.valueOf(text.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The comparison as the instance that keeps it knows it, once the answer in {@code slot} is there
     * (a quick rater can be a moment ahead of the stores), or as it stands after the wait; null when
     * unknown. Stores that cannot be asked answer 503: the thumbs needs the answer's text.
     */
    private ComparisonState answered(String comparisonId, Slot slot) {
        Instant deadline = Instant.now().plus(unknownAnswerWait);
        while (true) {
            StoreQueries.Lookup lookup;
            try {
                lookup = stores.lookup(comparisonId);
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                lookup = StoreQueries.Lookup.NOT_ASKED;   // the store moved mid-read (a rebalance)
            }
            if (!lookup.fromKeeper()) {
                throw new StoreQueries.NotReadyException("the comparison stores are loading or rebalancing; try again shortly");
            }
            Optional<ComparisonState> state = lookup.state();
            if (state.flatMap(s -> s.answer(slot)).isPresent() || Instant.now().isAfter(deadline)) return state.orElse(null);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return state.orElse(null);
            }
        }
    }
}
