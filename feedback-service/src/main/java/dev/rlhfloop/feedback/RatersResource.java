package dev.rlhfloop.feedback;

import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.api.InviteRequest;
import dev.rlhfloop.contracts.api.RaterView;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import dev.rlhfloop.service.auth.SecretFiles;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import java.util.List;

/** {@code /api/raters} (admin only): list raters, invite a person by name, revoke a rater. */
@Path("/api/raters")
@Produces(MediaType.APPLICATION_JSON)
@AdminOnly
public class RatersResource {
    static final int MAX_NAME = 100;

    @Inject
    RaterDirectory directory;

    @GET
    public List<RaterView> raters() {
        directory.awaitLoaded();
        return directory.all().stream().map(r -> view(r, null)).toList();
    }

    /** 201 with the invite path ({@code /?invite=CODE}): the code is shown once; only its SHA-256 is stored. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response invite(InviteRequest request) {
        String name = request == null || request.name() == null ? "" : request.name().strip();
        if (name.isEmpty()) return ApiError.badRequest("name is missing: whom is the invite for?");
        if (name.length() > MAX_NAME) return ApiError.badRequest("name is longer than " + MAX_NAME + " characters");
        String code = SecretFiles.random();
        Rater rater = directory.publish(Rater.invited(SessionResource.newRaterId(), name, RaterDirectory.hash(code), Instant.now()));
        return Response.status(Response.Status.CREATED).entity(view(rater, "/?invite=" + code)).build();
    }

    /** Revokes the rater: its sessions and invite link are refused from now on, on every instance. */
    @DELETE
    @Path("/{raterId}")
    public Response revoke(@PathParam("raterId") String raterId) {
        directory.awaitLoaded();
        Rater rater = directory.find(raterId).orElse(null);
        if (rater == null) return ApiError.notFound("no rater " + raterId);
        Rater revoked = rater.isRevoked() ? rater : directory.publish(rater.revoked(Instant.now()));
        return Response.ok(view(revoked, null)).build();
    }

    /**
     * Forgets the rater: revoked, and its votes (past ones included) left out of every statistic, export
     * and later version, on every instance and by the trainer (all follow {@code rlhf.raters}).
     */
    @POST
    @Path("/{raterId}/forget")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Forget a rater (admin)", description = "Revokes the rater and leaves its votes, past ones included, out of "
            + "every statistic, export and later version, on every instance and in the trainer.")
    @APIResponse(responseCode = "200", description = "the forgotten rater (`forgottenAt` set)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RaterView.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "404", description = "no such rater (`not_found`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "503", description = "Kafka did not store the forget record (`broker_unavailable`), or the rater "
            + "directory is still loading (`stores_loading`): nothing changed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response forget(@PathParam("raterId") String raterId) {
        directory.awaitLoaded();
        Rater rater = directory.find(raterId).orElse(null);
        if (rater == null) return ApiError.notFound("no rater " + raterId);
        Rater forgotten = rater.isForgotten() ? rater : directory.publish(rater.forgotten(Instant.now()));
        return Response.ok(view(forgotten, null)).build();
    }

    private static RaterView view(Rater r, String invitePath) {
        return new RaterView(r.raterId(), r.name(), r.inviteHash() != null, r.createdAt(), r.revokedAt(), r.forgottenAt(), invitePath);
    }
}
