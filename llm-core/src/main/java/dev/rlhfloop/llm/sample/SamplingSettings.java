package dev.rlhfloop.llm.sample;

/**
 * How to pick each next token. {@code temperature} 0 is greedy (argmax); otherwise logits are
 * divided by it, then cut to the {@code topK} most likely tokens (0 = no cut) and to the smallest
 * set whose probability reaches {@code topP} (1 = no cut), and sampled with a {@code seed}ed RNG.
 * Generation stops after {@code maxNewTokens} or at {@code stopToken} (negative = none), which is
 * kept in the output.
 */
public record SamplingSettings(float temperature, int topK, float topP, int maxNewTokens, long seed, int stopToken) {

    public SamplingSettings {
        if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1) || maxNewTokens < 0) {
            throw new IllegalArgumentException("need temperature >= 0, topK >= 0, 0 < topP <= 1, maxNewTokens >= 0; got "
                    + temperature + ", " + topK + ", " + topP + ", " + maxNewTokens);
        }
    }

    public static SamplingSettings greedy(int maxNewTokens) {
        return new SamplingSettings(0f, 0, 1f, maxNewTokens, 0L, -1);
    }

    /** Temperature 0.8, top-k 40, top-p 0.95: a sensible chat default. */
    public static SamplingSettings defaults(int maxNewTokens, long seed) {
        return new SamplingSettings(0.8f, 40, 0.95f, maxNewTokens, seed, -1);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    public SamplingSettings withSeed(long s) {
        return new SamplingSettings(temperature, topK, topP, maxNewTokens, s, stopToken);
    }

    public SamplingSettings withStopToken(int token) {
        return new SamplingSettings(temperature, topK, topP, maxNewTokens, seed, token);
    }
}
