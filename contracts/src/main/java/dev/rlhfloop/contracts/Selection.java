package dev.rlhfloop.contracts;

/**
 * How an answer was chosen among several samples by a reward model, on its {@link GenerationEvent}
 * (absent for an answer sampled once). The answer is candidate {@code seed − firstSeed} /
 * 1,000,003 of {@code candidates}: candidate k was sampled with seed {@code firstSeed + k · 1,000,003}
 * and the event's own {@link Sampling#seed()} is the chosen one's, so the answer reproduces from its
 * sampling alone, and the candidates it beat from {@code firstSeed}. Such an answer is not a plain
 * sample of its version (a consumer that needs on-policy answers can tell).
 *
 * @param method             {@code BEST_OF}: the highest reward of the candidates of this side;
 *                           {@code UNCERTAIN}: one of the two candidates whose preference the reward
 *                           model was least sure of, σ(reward − the other answer's reward) nearest ½
 * @param candidates         how many answers were sampled for this side (for {@code UNCERTAIN} with
 *                           one version on both sides: the one pool both answers came from)
 * @param firstSeed          the sampling seed of candidate 0
 * @param rewardModelVersion the version whose published reward model scored the candidates
 * @param reward             the chosen answer's reward under it
 */
public record Selection(Method method, int candidates, long firstSeed, String rewardModelVersion, double reward) {

    public enum Method { BEST_OF, UNCERTAIN }

    public Selection {
        new InvalidEventException.Check("Selection")
                .present("method", method)
                .that(candidates >= 1, "candidates must be >= 1, was " + candidates)
                .text("rewardModelVersion", rewardModelVersion)
                .that(Double.isFinite(reward), "reward must be finite, was " + reward)
                .done();
    }
}
