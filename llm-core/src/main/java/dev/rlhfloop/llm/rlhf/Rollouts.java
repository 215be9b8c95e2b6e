package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.sample.SequenceLogProbs;

import java.util.ArrayList;
import java.util.List;

/**
 * Answers sampled from a policy for the on-policy algorithms (RLOO, GRPO, PPO): {@code k} per
 * prompt, row {@code p·k + s} holding sample s of prompt p, seeded by the run's seed, the step
 * count, the prompt and the sample so a run is repeatable.
 */
record Rollouts(List<int[]> prompts, List<int[]> responses) {

    static Rollouts sample(Gpt policy, List<int[]> prompts, int k, int maxNewTokens, float temperature, long seed, long step,
                           int stopToken) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one prompt");
        }
        int context = policy.config().contextLength();
        List<int[]> rowPrompts = new ArrayList<>();
        List<int[]> responses = new ArrayList<>();
        policy.setTraining(false);
        Generator generator = new Generator(policy);
        for (int p = 0; p < prompts.size(); p++) {
            int[] prompt = prompts.get(p);
            if (prompt.length == 0 || prompt.length + maxNewTokens > context + 1) {
                throw new IllegalArgumentException("prompt " + p + " has " + prompt.length + " tokens: it needs at least one and room for "
                        + maxNewTokens + " new tokens in the context of " + context);
            }
            for (int s = 0; s < k; s++) {
                long sampleSeed = seed + 1_000_003L * step + 7919L * p + s;
                SamplingSettings sampling = new SamplingSettings(temperature, 0, 1f, maxNewTokens, sampleSeed, stopToken);
                rowPrompts.add(prompt);
                responses.add(generator.generate(prompt, sampling).newTokens());
            }
        }
        return new Rollouts(rowPrompts, responses);
    }

    int rows() {
        return prompts.size();
    }

    /** The rows as one batch whose targets are the answer tokens (see {@link SequenceLogProbs#pack}); padding is the stop token, or 0. */
    Batch pack(int stopToken, int contextLength) {
        return SequenceLogProbs.pack(prompts, responses, Math.max(stopToken, 0), contextLength);
    }

    /** Where answer token {@code j} of row {@code r} is predicted in {@link #pack}'s batch. */
    int position(Batch batch, int r, int j) {
        return r * batch.length() + prompts.get(r).length - 1 + j;
    }

    double meanResponseLength() {
        double length = 0;
        for (int[] response : responses) {
            length += response.length;
        }
        return length / responses.size();
    }
}
