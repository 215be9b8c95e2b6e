package dev.rlhfloop.contracts.api;

import com.fasterxml.jackson.annotation.JsonFormat;
import jakarta.validation.constraints.NotNull;

/**
 * {@code POST /api/thumbs/{comparisonId}/{slot}}: a rater's thumbs on one answer, rated alone.
 * {@code thumb} is read in any case. No rater field: the rater is the session's (docs/security.md).
 */
public record ThumbsRequest(
        @NotNull(message = "is missing (UP or DOWN)")
        @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_VALUES) Thumb thumb) {

    /** Whether the rater liked the answer. */
    public enum Thumb {
        UP, DOWN;

        public boolean up() {
            return this == UP;
        }

        public static Thumb of(boolean up) {
            return up ? UP : DOWN;
        }
    }
}
