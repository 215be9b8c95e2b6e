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
import java.util.List;
import java.util.Map;

/** The model registry over HTTP, and the weights of the versions this trainer made. */
@Path("/api/models")
public class ModelsResource {
    @Inject
    TrainerService trainer;

    /** Every published version (of every line), oldest first. */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> models() {
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
    public Response weights(@PathParam("version") String version) {
        return trainer.archive(version)
                .map(zip -> Response.ok(zip.toFile(), "application/zip")
                        .header("Content-Disposition", "attachment; filename=\"model-" + version + ".zip\"")
                        .build())
                .orElseGet(() -> ApiError.notFound("this trainer has no weights for version '" + version + "'"));
    }
}
