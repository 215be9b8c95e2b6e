package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The {@code progress} event of {@code /api/training/events}: a step of a stage of a line, a point on its loss curve. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainingProgress(String phase, long step, long totalSteps, Double loss, String line, String message, String state) {}
