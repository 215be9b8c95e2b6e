package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One entry of {@code GET /api/models} (and the {@code version} event of {@code /api/training/events}): a published model version. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelEntry(
        @Schema(required = true) String version,
        @Schema(description = "\"live\", or a replay's line name") String line,
        String parent,
        Algorithm algorithm,
        @Schema(required = true) long votesTrainedOn,
        @Schema(required = true) long pairsTrainedOn,
        @Schema(description = "next offset to read per topic:partition of rlhf.preference-pairs") Map<String, Long> offsets,
        @Schema(description = "where this version's pairs start per topic:partition; its pairs are exactly [fromOffsets, offsets)")
        Map<String, Long> fromOffsets,
        @Schema(description = "what ended the batch (pairs-per-version, max-wait, a replay's end)") ModelVersion.Cut cut,
        Instant created,
        @Schema(description = "e.g. rewardAccuracy, rewardLoss (every update); DPO: dpoLoss, margin, accuracy, kl; "
                + "RLOO: reward, kl, rlooLoss") Map<String, Double> metrics,
        @Schema(required = true) Weights weights,
        @Schema(description = "what the weights' bits depend on beyond the log and settings") Engine engine) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Weights(
            @Schema(required = true) String url,
            String sha256,
            @Schema(description = "whole weights or a LoRA adapter (PEFT's files) over baseVersion") ModelVersion.Format format,
            @Schema(description = "for an adapter, the version whose weights it adapts (the line's SFT model)") String baseVersion) {}

    public record Engine(@Schema(required = true) String version, @Schema(required = true, description = "floats per vector in the kernels (8 AVX2, 16 AVX-512)") int floatLanes) {}

    public static ModelEntry of(ModelVersion v) {
        ModelVersion.TrainedOn trainedOn = v.trainedOn();
        return new ModelEntry(v.versionId(), v.modelLine(), v.parentVersion(), v.algorithm(), trainedOn.votes(), trainedOn.pairs(),
                trainedOn.offsets(), trainedOn.fromOffsets(), trainedOn.cut(), v.createdAt(), v.metrics(),
                new Weights(v.weights().url(), v.weights().sha256(), v.weights().format(), v.weights().baseVersion()),
                v.engine() == null ? null : new Engine(v.engine().version(), v.engine().floatLanes()));
    }
}
