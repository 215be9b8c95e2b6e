package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.api.LineServing;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import dev.rlhfloop.service.control.LineControls;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Serves a line beside the live one, or stops: a flag of the line's control on {@code rlhf.line-control},
 * so every inference instance sees it and a restart keeps it. While served, the line's latest version
 * (its pinned one, else its newest) stays resident and answers against the live line's latest in
 * {@code line-vs-line} comparisons; its votes rate it on the leaderboard.
 */
@Path("/api/lines/{line}/serve")
@Produces(MediaType.APPLICATION_JSON)
public class LineServingResource {
    @Inject
    TrainerService trainer;

    @Inject
    TrainerConfig config;

    @Inject
    LineControlFollower control;

    @AdminOnly
    @POST
    @Operation(summary = "Serve a line beside the live one: raters compare their latest versions (mode line-vs-line)",
            description = "Every inference instance keeps the line's latest version (its pinned one, else its newest, hot-loaded as new "
                    + "ones are published) resident beside the live line's, and a line-vs-line comparison pits the two, sides drawn "
                    + "at random. The rest of the line's control stays as it is. Serving a line already served changes nothing.")
    @APIResponse(responseCode = "200", description = "stored on rlhf.line-control and in force",
            content = @Content(schema = @Schema(implementation = LineServing.class)))
    @APIResponse(responseCode = "400", description = "the live line itself (`bad_request`): it is always served",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such line (`not_found`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "the line controls are not read yet, or Kafka did not store the change in time "
            + "(`broker_unavailable`): nothing changed", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response serve(@PathParam("line") String line) {
        return set(line, true);
    }

    @AdminOnly
    @DELETE
    @Operation(summary = "Stop serving a line beside the live one",
            description = "Its version leaves every inference instance; line-vs-line comparisons pit the live line against the other "
                    + "lines still served (none: a request naming the mode is refused). Its votes and ratings stay.")
    @APIResponse(responseCode = "200", description = "stored on rlhf.line-control and in force",
            content = @Content(schema = @Schema(implementation = LineServing.class)))
    @APIResponse(responseCode = "400", description = "the live line itself (`bad_request`): it is always served",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such line (`not_found`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "the line controls are not read yet, or Kafka did not store the change in time "
            + "(`broker_unavailable`): nothing changed", content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response unserve(@PathParam("line") String line) {
        return set(line, false);
    }

    private Response set(String line, boolean serve) {
        List<ModelVersion> versions = trainer.versions();
        Optional<Response> refused = LineControlResource.unknownLine(line, config.line(), versions);
        if (refused.isPresent()) return refused.get();
        if (line.equals(config.line())) {
            return ApiError.badRequest("'" + line + "' is the live line: it is always served; serve a replay's line beside it "
                    + "(GET /api/models lists the lines)");
        }
        if (!control.caughtUp()) {
            // the line's current control is not known yet: storing one now could undo the admin's pin or pause
            return ApiError.response(ApiError.Code.BROKER_UNAVAILABLE, "the line controls (rlhf.line-control) are not read yet: try again shortly");
        }
        try {
            LineControl now = control.publish(control.of(line).servedBeside(serve, Instant.now()));
            return Response.ok(new LineServing(line, now.served(), now.served() ? answering(now, versions) : null,
                    control.servedLines(), now.updatedAt())).build();
        } catch (LineControls.NotStoredException e) {
            return ApiError.response(ApiError.Code.BROKER_UNAVAILABLE, e.getMessage());
        }
    }

    /** The version inference serves for the line: the pinned one, else the newest published. */
    private static String answering(LineControl control, List<ModelVersion> versions) {
        if (control.isPinned()) return control.pinnedVersion();
        return versions.stream().filter(v -> v.modelLine().equals(control.line()))
                .max(Comparator.comparing(ModelVersion::createdAt).thenComparing(ModelVersion::versionId))
                .map(ModelVersion::versionId).orElse(null);
    }
}
