package dev.rlhfloop.trainer;

import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import dev.rlhfloop.contracts.api.ModelEntry;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** The model registry over HTTP, and the weights of the versions this trainer made. */
@Path("/api/models")
public class ModelsResource {
    @Inject
    TrainerService trainer;

    /** Every published version (of every line), oldest first. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every published model version of every line, oldest first")
    public List<ModelEntry> models() {
        return trainer.versions().stream().map(ModelEntry::of).toList();
    }

    /**
     * The ZIP of config.json, model.safetensors and tokenizer.json whose SHA-256 the registry
     * announces: for the admin, and for the inference services with their own credential.
     */
    @AdminOnly(orService = true)
    @GET
    @Path("/{version}/weights")
    @Produces({"application/zip", MediaType.APPLICATION_JSON})
    @Operation(summary = "A version's weights as a ZIP (config.json, model.safetensors, tokenizer.json)")
    @APIResponse(responseCode = "200", description = "the ZIP whose SHA-256 the registry announces",
            content = @Content(mediaType = "application/zip", schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "this trainer has no weights for the version (`not_found`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response weights(@PathParam("version") String version) {
        return zip(trainer.archive(version), "model-" + version + ".zip", "this trainer has no weights for version '" + version + "'");
    }

    /**
     * The reward model a version was published with, as a ZIP (config.json and model.safetensors of
     * its backbone, score.safetensors its head): what inference ranks sampled answers by
     * ({@code rlhf.inference.best-of}, {@code rlhf.inference.pairing=uncertain}). 404 tells a version
     * that has none (the SFT model).
     */
    @AdminOnly(orService = true)
    @GET
    @Path("/{version}/reward-model")
    @Produces({"application/zip", MediaType.APPLICATION_JSON})
    @Operation(summary = "The reward model a version was published with, as a ZIP (config.json, model.safetensors, score.safetensors)")
    @APIResponse(responseCode = "200", description = "the ZIP of the reward model trained on every pair up to the version's",
            content = @Content(mediaType = "application/zip", schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "the version has no reward model here (the SFT model, a pruned version) (`not_found`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response rewardModel(@PathParam("version") String version) {
        return zip(trainer.rewardModelArchive(version), "reward-model-" + version + ".zip",
                "this trainer has no reward model for version '" + version + "'");
    }

    private static Response zip(java.util.Optional<java.nio.file.Path> archive, String fileName, String missing) {
        return archive.map(zip -> Response.ok(zip.toFile(), "application/zip")
                        .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"").build())
                .orElseGet(() -> ApiError.notFound(missing));
    }
}
