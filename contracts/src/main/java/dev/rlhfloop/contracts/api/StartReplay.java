package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Instant;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /api/replays}: which part of the preference log to replay into a new line, from which
 * version, with which update. The rules between fields (what each {@code from} needs) are the
 * trainer's to check.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StartReplay(
        @NotNull @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_VALUES) From from,
        @Schema(description = "with TIMESTAMP, the first pair's earliest time (ISO-8601)") Instant timestamp,
        @Schema(description = "with OFFSETS, the first offset, in every partition") @PositiveOrZero Long fromOffset,
        @Schema(description = "with OFFSETS, the end (exclusive), greater than fromOffset; absent reads to the end") @PositiveOrZero Long toOffset,
        @Schema(description = "with OFFSETS, instead of fromOffset: the first offset per partition (\"0\" or \"rlhf.preference-pairs:0\", "
                + "as in a version's offsets); a partition left out starts at its beginning")
        Map<@Pattern(regexp = PARTITION, message = NOT_A_PARTITION) String, @NotNull @PositiveOrZero Long> fromOffsets,
        @Schema(description = "with OFFSETS, the end (exclusive) per partition; a partition left out reads to the end")
        Map<@Pattern(regexp = PARTITION, message = NOT_A_PARTITION) String, @NotNull @PositiveOrZero Long> toOffsets,
        @Schema(description = "the version the new line starts from; absent = the SFT model") @Pattern(regexp = ".*\\S.*", message = "must name a version, e.g. \"1\" or \"7\"") String parent,
        @Schema(description = "the new line's name; a fresh one is made up when absent")
        @Pattern(regexp = LINE, message = "must be 1-40 lower-case letters, digits, '-' or '_', starting with a letter or digit") String line,
        @Schema(description = "how the new line's updates change the policy (DPO, RLOO, PPO, GRPO or KTO, any case); absent = the trainer's rlhf.trainer.algorithm")
        String algorithm) {

    public enum From { BEGINNING, TIMESTAMP, OFFSETS }

    /** A line name is a path segment and a version-id prefix: short, lower-case, no dots or slashes. */
    public static final String LINE = "[a-z0-9][a-z0-9_-]{0,39}";

    /** A partition of rlhf.preference-pairs: its number, or topic:number as in a version's offsets. */
    public static final String PARTITION = "(rlhf\\.preference-pairs:)?\\d{1,6}";
    static final String NOT_A_PARTITION = "is not a partition: keys must be partitions of rlhf.preference-pairs (\"0\" or \"rlhf.preference-pairs:0\")";

    public static StartReplay from(From from) {
        return new StartReplay(from, null, null, null, null, null, null, null, null);
    }
}
