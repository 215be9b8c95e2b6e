package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.VoteEvent;
import dev.rlhfloop.feedback.streams.ComparisonState;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.Auth;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code POST /api/votes}: a rater's verdict on a comparison, by the rater of the caller's session
 * (401 without one, or for a revoked rater). Answers 202 only once Kafka has the
 * vote. A comparison is refused as unknown only when the instance that keeps its partition (this
 * one, or another asked over HTTP) has not seen its answers. A rater's repeated vote on the same comparison is answered 202 with {@code "duplicate": true}
 * and counts once (the stream topology drops any repeat that gets past this check).
 */
@Path("/api/votes")
public class VoteResource {
    static final int MAX_ID = 200;
    static final int MAX_REASON = 2000;
    private static final String CHOICES = Arrays.stream(Choice.values()).map(Enum::name).collect(Collectors.joining(", "));

    /** No rater field: a vote's rater is its session's (docs/security.md); a "rater" in the body is ignored. */
    public record VoteRequest(String comparisonId, String choice, String reason) {}

    /**
     * @param choice for a duplicate, the choice of the rater's first vote, which is the one that counts
     * @param offset where the vote sits in its partition; absent for a duplicate
     */
    public record VoteAccepted(String voteId, String comparisonId, Choice choice, boolean duplicate, Integer partition, Long offset) {}

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
    public Response vote(VoteRequest request, @Context HttpHeaders headers) {
        String rater = auth.requireRater(auth.identify(headers));
        if (raters.isRevoked(rater)) throw SessionResource.revoked();
        if (request == null) return ApiError.badRequest("the request body must be a JSON vote: "
                + "{\"comparisonId\", \"choice\": " + CHOICES + ", \"reason\"}");
        List<String> problems = new ArrayList<>();
        String comparisonId = required(problems, "comparisonId", request.comparisonId(), MAX_ID);
        Choice choice = choice(problems, request.choice());
        String reason = request.reason() == null || request.reason().isBlank() ? null : request.reason().strip();
        if (reason != null && reason.length() > MAX_REASON) problems.add("reason is longer than " + MAX_REASON + " characters");
        if (!problems.isEmpty()) return ApiError.badRequest(String.join("; ", problems));

        StoreQueries.Lookup lookup = knownComparison(comparisonId);
        Optional<ComparisonState> known = lookup.state();
        if (known.isPresent() && known.get().hasVoteFrom(rater)) {
            VoteEvent first = known.get().votesByRater().get(rater).vote();
            return Response.accepted(new VoteAccepted(first.voteId(), comparisonId, first.choice(), true, null, null)).build();
        }
        if (known.isEmpty() && rejectUnknownComparisons && lookup.fromKeeper()) {
            return ApiError.badRequest("unknown comparison " + comparisonId);
        }
        VoteEvent vote = VoteEvent.of(comparisonId, choice, rater, reason, Instant.now());
        RecordMetadata stored = publisher.publish(vote);
        return Response.accepted(new VoteAccepted(vote.voteId(), comparisonId, choice, false, stored.partition(), stored.offset())).build();
    }

    private static String required(List<String> problems, String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            problems.add(field + " is missing");
            return null;
        }
        String stripped = value.strip();
        if (stripped.length() > maxLength) problems.add(field + " is longer than " + maxLength + " characters");
        return stripped;
    }

    private static Choice choice(List<String> problems, String value) {
        if (value == null || value.isBlank()) {
            problems.add("choice is missing (one of " + CHOICES + ")");
            return null;
        }
        try {
            return Choice.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add("unknown choice \"" + value + "\" (one of " + CHOICES + ")");
            return null;
        }
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
