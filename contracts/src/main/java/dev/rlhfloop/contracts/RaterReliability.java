package dev.rlhfloop.contracts;

import java.util.Locale;

/**
 * The record of {@link Topics#RATER_RELIABILITY}, keyed by rater id: how far a rater's votes can be trusted, from the rater checks (docs/loop.md, "Reliability as a
 * weight"): {@code checks} of their votes could be checked — gold votes, and votes on comparisons
 * another rater voted on too — and {@code passed} of them passed (the right answer of a gold
 * comparison; the same choice as the other rater). With a prior of {@link #PRIOR_PASSED} passed of
 * {@link #PRIOR_CHECKS} checks, so that a rater nobody checked yet starts at weight 1:
 * <pre>
 *   reliability r = (3 + passed) / (4 + checks)          (prior mean 0.75)
 *   weight      w = max(0, 2r − 1) / (2·0.75 − 1)        (1 for the prior; 0 for a rater at chance)
 * </pre>
 * 2r − 1 is how much better than a coin a rater's A-or-B choice is: a rater who votes at random
 * passes half their gold checks and their weight goes to 0 as the checks add up; one who always
 * passes tends to 2.
 */
public record RaterReliability(int schemaVersion, String rater, long checks, long passed, double reliability, double weight) {
    public static final int SCHEMA_VERSION = 1;
    public static final double PRIOR_PASSED = 3;
    public static final double PRIOR_CHECKS = 4;
    private static final double PRIOR = PRIOR_PASSED / PRIOR_CHECKS;

    public RaterReliability {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("RaterReliability")
                .text("rater", rater)
                .that(checks >= 0 && passed >= 0 && passed <= checks, "need 0 <= passed <= checks, was " + passed + " of " + checks)
                .that(weight >= 0 && Double.isFinite(weight), "weight must be finite and >= 0, was " + weight)
                .done();
    }

    /** The reliability and weight of a rater who passed {@code passed} of {@code checks} checks. */
    public static RaterReliability of(String rater, long checks, long passed) {
        double r = (PRIOR_PASSED + passed) / (PRIOR_CHECKS + checks);
        double w = Math.max(0, 2 * r - 1) / (2 * PRIOR - 1);
        return new RaterReliability(SCHEMA_VERSION, rater, checks, passed, r, w);
    }

    /** A rater with no checks yet: weight 1. */
    public static RaterReliability unchecked(String rater) {
        return of(rater, 0, 0);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %d/%d checks, r=%.3f, w=%.3f", rater, passed, checks, reliability, weight);
    }
}
