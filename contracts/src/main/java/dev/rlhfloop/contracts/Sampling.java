package dev.rlhfloop.contracts;

/**
 * How an answer was sampled; with the model version this reproduces it exactly.
 *
 * @param temperature 0 means greedy
 * @param topK 0 means no top-k cut
 * @param topP nucleus mass in (0, 1]; 1 means no cut
 */
public record Sampling(double temperature, int topK, double topP, int maxNewTokens, long seed) {
    public Sampling {
        new InvalidEventException.Check("Sampling")
                .that(temperature >= 0, "temperature must be >= 0, was " + temperature)
                .that(topK >= 0, "topK must be >= 0, was " + topK)
                .that(topP > 0 && topP <= 1, "topP must be in (0, 1], was " + topP)
                .that(maxNewTokens > 0, "maxNewTokens must be > 0, was " + maxNewTokens)
                .done();
    }
}
