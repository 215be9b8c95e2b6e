package dev.rlhfloop.inference;

import java.util.random.RandomGenerator;

/** Which model versions write the two answers of a comparison ({@code rlhf.inference.compare}). */
public enum CompareMode {
    /** Two samples of the current version. */
    LATEST,
    /** The current version against the one it replaced (two samples of the current one until there is one). */
    LATEST_VS_PREVIOUS,
    /**
     * The current version against the first version of the line, the SFT baseline, in a share of
     * comparisons ({@code rlhf.inference.baseline-share}); the others are two samples of the current one.
     */
    LATEST_VS_BASELINE,
    /**
     * The current version against one of the other resident versions (the last few of the line and
     * the baseline), drawn uniformly per comparison: votes between neighbouring versions as well as
     * against the baseline (two samples of the current one until there is another).
     */
    LATEST_VS_RESIDENT,
    /**
     * The current version of the live line against the latest version of a line the admin serves beside
     * it ({@link ServedLines}), one drawn uniformly per comparison when several are: votes between lines,
     * e.g. the same log replayed with another algorithm (two samples of the current one while none is).
     */
    LINE_VS_LINE;

    /** The mode a request names, spelt as {@code rlhf.inference.compare} spells it ("line-vs-line"); null for null. */
    static CompareMode named(String name) {
        return name == null ? null : valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }

    /**
     * The mode of one comparison: in latest-vs-baseline mode, the baseline answers with probability
     * {@code baselineShare} and otherwise two samples of the latest do (the vote's pair is then
     * on-policy for DPO, and the win rate against the baseline still fills); other modes as they are.
     */
    CompareMode draw(double baselineShare, RandomGenerator random) {
        return this == LATEST_VS_BASELINE && random.nextDouble() >= baselineShare ? LATEST : this;
    }
}
