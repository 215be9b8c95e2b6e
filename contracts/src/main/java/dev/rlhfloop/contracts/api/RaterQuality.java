package dev.rlhfloop.contracts.api;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The {@code raterQuality} part of {@code GET /api/stats}: how raters do on gold comparisons (a
 * checkable task's right answer against a wrong one) and how often two raters shown the same
 * comparison agree (Cohen's kappa over the choices A, B, TIE, BOTH_BAD).
 */
public record RaterQuality(
        @Schema(required = true, description = "per rater who voted on gold comparisons, by rater id") List<GoldAccuracy> gold,
        @Schema(required = true) Agreement agreement,
        @Schema(required = true, description = "per rater with a checked vote (gold or shown to two raters), by rater id: the weight "
                + "their pairs get when the trainer weighs pairs by reliability") List<Reliability> reliability) {

    public static final RaterQuality NONE = new RaterQuality(List.of(), new Agreement(0, 0, null, List.of()), List.of());

    public RaterQuality {
        gold = gold == null ? List.of() : List.copyOf(gold);
        agreement = agreement == null ? NONE.agreement() : agreement;
        reliability = reliability == null ? List.of() : List.copyOf(reliability);
    }

    /**
     * A rater's reliability (docs/loop.md, "Reliability as a weight"): {@code passed} of {@code checks} checked votes
     * passed (gold: the right answer; shown to two raters: the same choice as the other), r = (3 + passed) / (4 + checks),
     * weight = max(0, 2r − 1) / 0.5 (1 for a rater nobody checked yet).
     */
    public record Reliability(@Schema(required = true) String rater, @Schema(required = true) long checks,
                              @Schema(required = true) long passed,
                              @Schema(required = true, description = "(3 + passed) / (4 + checks)") double reliability,
                              @Schema(required = true, description = "max(0, 2·reliability − 1) / 0.5") double weight) {}

    /**
     * @param correct gold votes for the right answer (a tie or both-bad is not correct)
     * @param accuracy correct / votes, with its 95% Wilson interval
     */
    public record GoldAccuracy(@Schema(required = true) String rater, @Schema(required = true) long votes,
                               @Schema(required = true) long correct,
                               @Schema(required = true, description = "correct / votes, 95% Wilson interval") Stats.WinRate accuracy) {}

    /**
     * @param comparisons comparisons that two raters voted on
     * @param agreed      of them, the ones where both made the same choice
     * @param kappa       Cohen's kappa over all of them, first vote against second; null while undefined
     */
    public record Agreement(@Schema(required = true) long comparisons, @Schema(required = true) long agreed,
                            @Schema(description = "Cohen's kappa, first vote against second; absent while undefined", nullable = true) Double kappa,
                            @Schema(required = true, description = "per pair of raters (rater ids in name order)") List<PairAgreement> pairs) {
        public Agreement {
            pairs = pairs == null ? List.of() : List.copyOf(pairs);
        }
    }

    /** Cohen's kappa of two raters over the comparisons both voted on (raterA's votes against raterB's). */
    public record PairAgreement(@Schema(required = true) String raterA, @Schema(required = true) String raterB,
                                @Schema(required = true) long comparisons, @Schema(required = true) long agreed,
                                @Schema(description = "absent while undefined (one comparison, or both always chose the same)", nullable = true)
                                Double kappa) {}
}
