package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.LineControl;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code GET /api/lines/{line}/control}, and the answer to its {@code PUT}: what the admin set for a model
 * line; {@code pinnedVersion} and {@code versionsKept} are absent when not set.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LineControlView(
        @Schema(required = true) String line,
        @Schema(description = "the version served as the line's latest (rolled back to); absent: the newest") String pinnedVersion,
        @Schema(required = true, description = "true: the trainer makes no new versions; pairs wait on the log") boolean paused,
        @Schema(description = "the newest versions kept on disk besides the pinned one and the baseline; absent: every version") Integer versionsKept,
        @Schema(required = true, description = "when the admin last changed it; 1970-01-01T00:00:00Z for a line never set") Instant updatedAt,
        @Schema(required = true, description = "true: a line other than the live one, served beside it (POST /api/lines/{line}/serve): "
                + "its latest version answers against the live line's in line-vs-line comparisons") boolean served) {

    public LineControlView(String line, String pinnedVersion, boolean paused, Integer versionsKept, Instant updatedAt) {
        this(line, pinnedVersion, paused, versionsKept, updatedAt, false);
    }

    public static LineControlView of(LineControl control) {
        return new LineControlView(control.line(), control.pinnedVersion(), control.paused(), control.versionsKept(), control.updatedAt(),
                control.served());
    }
}
