package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.api.ComparisonCreated;
import dev.rlhfloop.contracts.api.FollowUp;
import dev.rlhfloop.service.ApiError;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code POST /api/comparisons/{id}/turns}: a comparison goes on with the rater's follow-up (docs/web-api.md). */
@Path("/api/comparisons/{id}/turns")
public class FollowUpResource {

    @Inject
    ComparisonService comparisons;

    @Inject
    FollowUps followUps;

    @Inject
    ComparisonViews views;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Continue a comparison: both versions answer the follow-up with their side of the conversation so far",
            description = "The follow-up is a new comparison (its id, on the same instance); stream it from /api/comparisons/{newId}/events "
                    + "and vote on the new id. Each side's earlier turns are in its context, the oldest left out when they do not fit "
                    + "(answers[].droppedTurns).")
    @APIResponse(responseCode = "201", description = "the follow-up's comparison; its answers are generated in the background",
            content = @Content(schema = @Schema(implementation = ComparisonCreated.class)))
    @APIResponse(responseCode = "400", description = "the prompt is blank or too long, the answers are not done, or the conversation "
            + "cannot go on (`bad_request`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such comparison here (`not_found`)", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "the generation queue is full (`overloaded`, Retry-After)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public RestResponse<ComparisonCreated> followUp(@PathParam("id") String id,
                                                    @Valid @NotNull(message = "the body is missing: send {\"prompt\": \"...\"}") FollowUp request) {
        Comparison previous = comparisons.find(id).orElseThrow(() -> new ComparisonResource.UnknownComparisonException(id));
        return RestResponse.status(RestResponse.Status.CREATED, views.created(followUps.followUp(previous, request.prompt())));
    }
}
