package dev.rlhfloop.llm.sample;

/** Receives each generated token as soon as it is chosen (for streaming); return false to stop generating. */
@FunctionalInterface
public interface TokenListener {

    /**
     * {@code logProbability} is log p(token) under the model's own distribution (temperature 1,
     * no top-k or top-p cut), whatever the sampling settings: the policy probability that DPO,
     * PPO and RLOO score an answer by.
     */
    boolean onToken(int token, double logProbability);

    TokenListener NONE = (token, logProbability) -> true;
}
