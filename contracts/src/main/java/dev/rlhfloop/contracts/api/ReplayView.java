package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.rlhfloop.contracts.ModelVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One replay of {@code GET /api/replays} (and the answer to {@code POST /api/replays}): what it reads, and how far it is. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplayView(
        @Schema(required = true) String id,
        @Schema(required = true) String line,
        @Schema(required = true) StartReplay.From from,
        Instant timestamp,
        Long fromOffset,
        Long toOffset,
        Map<String, Long> fromOffsets,
        Map<String, Long> toOffsets,
        @Schema(description = "the version the line starts from") String parent,
        @Schema(description = "the line whose recorded batches the replay takes where it stands at their start") String follows,
        @Schema(description = "how the line's updates change the policy") String algorithm,
        @Schema(required = true) State state,
        @Schema(required = true, description = "pairs read so far") long consumed,
        @Schema(required = true, description = "pairs to read") long total,
        @Schema(description = "the versions this replay has published, in its line") List<String> versions,
        @Schema(description = "each published version against the recorded version whose batch it took") List<Rebuild> comparisons,
        @Schema(description = "why it failed") String error) {

    public enum State { RUNNING, DONE, FAILED }

    /** How a replayed version compares with the recorded version whose batch it took. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rebuild(
            @Schema(required = true) String version,
            @Schema(description = "the recorded version with the same batch; absent for the replay's own batches") String rebuilds,
            ModelVersion.Cut cut,
            @Schema(required = true, description = "NOT_COMPARABLE when another engine or vector width made the recorded version; NEW past the recorded ones")
            Result result,
            String reason) {}

    public enum Result { IDENTICAL, DIFFERS, NOT_COMPARABLE, NEW }
}
