package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;

import java.util.List;

/**
 * What the on-policy algorithms share: a policy trained on its own samples, scored by a reward and
 * held near a frozen reference copy, AdamW over the policy's trainable parameters (PyTorch's betas),
 * and a step count that, with the settings' seed, makes each step's samples repeatable.
 */
abstract sealed class OnPolicyTrainer permits Grpo, Ppo, Rloo {

    final Gpt policy;
    final Gpt reference;
    final Rloo.Reward reward;
    final int stopToken;
    final AdamW optimizer;
    long steps;
    private SftMixer sftMixer;

    /** {@code stopToken} (e.g. end-of-text, or negative for none) ends an answer and pads batches. */
    OnPolicyTrainer(Gpt policy, Gpt reference, Rloo.Reward reward, float weightDecay, int stopToken) {
        if (policy == reference) {
            throw new IllegalArgumentException("the reference must be a separate, frozen copy of the policy (see Gpt.copy)");
        }
        this.policy = policy;
        this.reference = reference;
        this.reward = reward;
        this.stopToken = stopToken;
        this.optimizer = new AdamW(policy.trainableParameters(), adamW(weightDecay));
    }

    static AdamWSettings adamW(float weightDecay) {
        return new AdamWSettings(0.9f, 0.999f, 1e-8f, weightDecay);
    }

    public long steps() {
        return steps;
    }

    /** Mixes the SFT loss into the policy's every step from now on ({@link SftMixer}; null: none). */
    public void mixSft(SftMixer mixer) {
        this.sftMixer = mixer;
    }

    /** The SFT mix's step, after each of the policy's own. */
    void sftStep() {
        if (sftMixer != null) sftMixer.step(policy);
    }

    /** The log-probabilities of {@code batch}'s targets under {@code model} with dropout off, copied before the next pass reuses them. */
    static float[] logProbs(Gpt model, Batch batch) {
        model.setTraining(false);
        return model.tokenLogProbs(batch).clone();
    }

    /** This step's {@code samples} answers to each prompt, drawn from the policy. */
    Rollouts sample(List<int[]> prompts, int samples, int maxNewTokens, float temperature, long seed) {
        return Rollouts.sample(policy, prompts, samples, maxNewTokens, temperature, seed, steps, stopToken);
    }
}
