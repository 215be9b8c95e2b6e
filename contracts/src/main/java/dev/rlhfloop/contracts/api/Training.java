package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** {@code GET /api/training} (and the {@code state} event of {@code /api/training/events}): what the trainer is doing, with the live line's loss curve. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Training(
        @Schema(required = true, enumeration = {"IDLE", "BOOTSTRAPPING", "TRAINING", "BUSY", "REPLAYING", "STANDBY"}) String state,
        @Schema(description = "PRETRAIN, SFT, REWARD_MODEL, DPO, RLOO, ...") String phase,
        @Schema(required = true) long step,
        @Schema(required = true) long totalSteps,
        Double loss,
        String message,
        String servingVersion,
        @Schema(description = "what the first model of the line is and why (the core-count rule, or the base model)") String firstModel,
        List<LossPoint> losses) {

    /** A point on a loss curve. */
    public record LossPoint(@Schema(required = true) String phase, @Schema(required = true) long step, @Schema(required = true) double loss) {}
}
