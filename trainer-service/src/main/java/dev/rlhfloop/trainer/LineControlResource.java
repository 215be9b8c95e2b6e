package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.api.LineControlRequest;
import dev.rlhfloop.contracts.api.LineControlView;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import dev.rlhfloop.service.control.LineControls;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The admin's controls of a model line: the version served as its latest (pin, roll back, unpin),
 * training paused or running, and how many versions stay on disk. Stored on {@code rlhf.line-control};
 * every trainer and inference instance follows it.
 */
@Path("/api/lines/{line}/control")
@Produces(MediaType.APPLICATION_JSON)
public class LineControlResource {
    @Inject
    TrainerService trainer;

    @Inject
    TrainerConfig config;

    @Inject
    LineControlFollower control;

    @GET
    @Operation(summary = "What the admin set for a model line: the pinned version, paused or not, the versions kept on disk")
    @APIResponse(responseCode = "200", description = "the line's control (a line never set: nothing pinned, not paused, every version kept)",
            content = @Content(schema = @Schema(implementation = LineControlView.class)))
    @APIResponse(responseCode = "404", description = "no such line (`not_found`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response get(@PathParam("line") String line) {
        return unknown(line).orElseGet(() -> Response.ok(LineControlView.of(control.of(line))).build());
    }

    @AdminOnly
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pin (roll back to) a version or unpin, pause or resume training, set the versions kept on disk",
            description = "Replaces the line's whole control (whether it is served beside the live line stays as it is: POST /api/lines/{line}/serve). A pinned version answers as the line's latest on every inference instance "
                    + "(newer versions stay resident, unused, until unpinned); a paused line makes no new versions, its pairs wait on "
                    + "the log; with versionsKept, versions beyond the newest N are deleted from the trainer's disk, the line's first "
                    + "(the baseline) and the pinned one kept.")
    @APIResponse(responseCode = "200", description = "stored on rlhf.line-control and in force",
            content = @Content(schema = @Schema(implementation = LineControlView.class)))
    @APIResponse(responseCode = "400", description = "the request is refused (`bad_request`): e.g. a version the line does not have, "
            + "or whose weights were pruned", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such line (`not_found`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not store it in time (`broker_unavailable`): nothing changed",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    public Response set(@PathParam("line") String line,
                        @Valid @NotNull(message = "is missing: send JSON with \"paused\" (and \"pinnedVersion\", \"versionsKept\" or null)")
                        LineControlRequest body) {
        Optional<Response> refused = unknown(line).or(() -> unpinnable(line, body.pinnedVersion()));
        if (refused.isPresent()) return refused.get();
        // serving beside the live line has its own endpoint (LineServingResource): a PUT keeps it as it is
        LineControl next = new LineControl(LineControl.SCHEMA_VERSION, line, body.pinnedVersion(), body.paused(), body.versionsKept(),
                Instant.now(), control.of(line).served());
        try {
            return Response.ok(LineControlView.of(control.publish(next))).build();
        } catch (LineControls.NotStoredException e) {
            return ApiError.response(ApiError.Code.BROKER_UNAVAILABLE, e.getMessage());
        }
    }

    private Optional<Response> unknown(String line) {
        return unknownLine(line, config.line(), trainer.versions());
    }

    /** 404 unless {@code line} is the live line or has versions on the registry. */
    static Optional<Response> unknownLine(String line, String liveLine, List<ModelVersion> versions) {
        if (line.equals(liveLine) || versions.stream().anyMatch(v -> v.modelLine().equals(line))) return Optional.empty();
        return Optional.of(ApiError.notFound("there is no model line '" + line + "': the live line is '" + liveLine
                + "', replays make others (GET /api/models)"));
    }

    /** 400 when {@code versionId} is not a version of {@code line} whose weights this trainer still has. */
    private Optional<Response> unpinnable(String line, String versionId) {
        if (versionId == null) return Optional.empty();
        List<String> ofLine = trainer.versions().stream().filter(v -> v.modelLine().equals(line)).map(ModelVersion::versionId).toList();
        if (!ofLine.contains(versionId)) {
            return Optional.of(ApiError.badRequest("line '" + line + "' has no version '" + versionId + "'; its versions: "
                    + (ofLine.isEmpty() ? "none yet" : String.join(", ", ofLine))));
        }
        if (trainer.archive(versionId).isEmpty()) {
            return Optional.of(ApiError.badRequest("version '" + versionId + "' cannot be served again: its weights were pruned "
                    + "from the trainer's disk (versionsKept)"));
        }
        return Optional.empty();
    }
}
