package dev.rlhfloop.contracts.api;

import dev.rlhfloop.contracts.LineControl;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code PUT /api/lines/{line}/control} (admin): the whole control of a line, replacing what was set.
 * Which versions can be pinned (a version of the line whose weights the trainer still has) is the
 * trainer's to check.
 */
public record LineControlRequest(
        @Schema(description = "the version to serve as the line's latest, e.g. \"3\" (a roll-back); null or absent: the newest")
        @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}", message = "must name a version, e.g. \"3\"") String pinnedVersion,
        @Schema(description = "true: no new versions until false again; pairs wait on the log")
        @NotNull(message = "is missing: true pauses training, false resumes it") Boolean paused,
        @Schema(description = "keep the newest N versions on disk (plus the pinned one and the baseline) and delete older ones; "
                + "null or absent: keep every version", minimum = "4")
        @Min(value = LineControl.RESIDENT_VERSIONS, message = "must be at least 4: every inference instance keeps the newest 4 versions "
                + "resident and downloads them when it starts") Integer versionsKept) {}
