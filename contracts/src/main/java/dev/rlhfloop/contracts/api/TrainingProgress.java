package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The {@code progress} event of {@code /api/training/events}: a step of a stage of a line, a point on its loss curve. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingProgress(@Schema(required = true) String phase, @Schema(required = true) long step,
                               @Schema(required = true) long totalSteps, Double loss, String line, String message,
                               @Schema(required = true) String state) {}
