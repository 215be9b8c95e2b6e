package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.api.ReplayView;
import dev.rlhfloop.contracts.api.StartReplay;
import dev.rlhfloop.llm.rlhf.PolicyAlgorithm;
import dev.rlhfloop.service.ApiError;
import dev.rlhfloop.service.auth.AdminOnly;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Replays of the preference log into new model lines. */
@Path("/api/replays")
public class ReplaysResource {
    @Inject
    TrainerService trainer;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every replay started since the trainer started, with its progress")
    public List<ReplayView> replays() {
        return trainer.replays().stream().map(Replay::view).toList();
    }

    @AdminOnly
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Replay the preference log into a new model line, beside the live one")
    @APIResponse(responseCode = "202", description = "the replay runs", content = @Content(schema = @Schema(implementation = ReplayView.class)))
    @APIResponse(responseCode = "400", description = "the request is refused (`bad_request`); `reason` says why",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "a replay or training step is already running (`trainer_busy`)",
            content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "401", description = "no admin credential (`unauthorized`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "403", description = "a rater's credential, not the admin's (`forbidden`)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiError.class)))
    public Response start(@Valid @NotNull(message = "is missing: send JSON with \"from\": BEGINNING, TIMESTAMP or OFFSETS") StartReplay body) {
        try {
            Replay replay = trainer.startReplay(request(body));
            return Response.accepted(replay.view()).build();
        } catch (TrainerService.BusyException e) {
            return ApiError.response(ApiError.Code.TRAINER_BUSY, e.getMessage());
        } catch (IllegalArgumentException e) {
            return ApiError.badRequest(e.getMessage());
        }
    }

    /** The rules between fields that the record's annotations cannot say; each problem becomes a reason a person can act on. */
    static ReplayRequest request(StartReplay body) {
        Algorithm algorithm = null;
        if (body.algorithm() != null) {
            algorithm = TrainerUpdate.algorithmNamed(body.algorithm()).map(TrainerUpdate::recorded)
                    .orElseThrow(() -> new IllegalArgumentException("\"algorithm\" must be one of "
                            + PolicyAlgorithm.names().toUpperCase(java.util.Locale.ROOT) + ", was '" + body.algorithm() + "'"));
        }
        Instant timestamp = null;
        Long fromOffset = null;
        Long toOffset = null;
        Map<Integer, Long> fromOffsets = null;
        Map<Integer, Long> toOffsets = null;
        switch (body.from()) {
            case BEGINNING -> { }
            case TIMESTAMP -> {
                timestamp = body.timestamp();
                if (timestamp == null) throw new IllegalArgumentException("timestamp (ISO-8601, e.g. 2026-11-29T12:00:00Z) is needed with from TIMESTAMP");
            }
            case OFFSETS -> {
                fromOffset = body.fromOffset();
                toOffset = body.toOffset();
                fromOffsets = partitions("fromOffsets", body.fromOffsets());
                toOffsets = partitions("toOffsets", body.toOffsets());
                if (fromOffsets == null && toOffsets == null) {
                    if (fromOffset == null) {
                        throw new IllegalArgumentException("from OFFSETS needs fromOffset (every partition) or fromOffsets "
                                + "(per partition, e.g. {\"0\": 4, \"1\": 2, \"2\": 5})");
                    }
                    if (toOffset != null && toOffset <= fromOffset) {
                        throw new IllegalArgumentException("toOffset (" + toOffset + ") must be greater than fromOffset (" + fromOffset + ")");
                    }
                } else {
                    if (fromOffset != null || toOffset != null) {
                        throw new IllegalArgumentException("give either fromOffset/toOffset (every partition) or "
                                + "fromOffsets/toOffsets (per partition), not both");
                    }
                    if (fromOffsets == null) fromOffsets = Map.of();
                    for (Map.Entry<Integer, Long> to : (toOffsets == null ? Map.<Integer, Long>of() : toOffsets).entrySet()) {
                        long start = fromOffsets.getOrDefault(to.getKey(), 0L);
                        if (to.getValue() < start) {
                            throw new IllegalArgumentException("toOffsets of partition " + to.getKey() + " (" + to.getValue()
                                    + ") is before its start (" + start + ")");
                        }
                    }
                }
            }
        }
        return new ReplayRequest(body.from(), timestamp, fromOffset, toOffset, fromOffsets, toOffsets, body.parent(), body.line(), algorithm);
    }

    /**
     * A per-partition offset map by partition number: keys are partition numbers ("0") or, as in a
     * version's {@code offsets}, {@code rlhf.preference-pairs:0} (the record's annotations check their form).
     */
    private static Map<Integer, Long> partitions(String field, Map<String, Long> byKey) {
        if (byKey == null) return null;
        Map<Integer, Long> offsets = new TreeMap<>();
        for (Map.Entry<String, Long> entry : byKey.entrySet()) {
            String key = entry.getKey();
            int partition = Integer.parseInt(key.substring(key.lastIndexOf(':') + 1));
            if (offsets.put(partition, entry.getValue()) != null) {
                throw new IllegalArgumentException(field + " names partition " + partition + " twice");
            }
        }
        return offsets;
    }
}
