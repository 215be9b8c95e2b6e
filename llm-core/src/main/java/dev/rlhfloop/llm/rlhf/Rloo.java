package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.SequenceLogProbs;

import java.util.List;

/**
 * REINFORCE Leave-One-Out (Ahmadian et al., 2024) against a reward with a KL penalty to a frozen
 * reference. Each step samples k answers per prompt from the policy; an answer's return is its
 * reward minus β·Σ_t (log π(y_t) − log π_ref(y_t)) (the KL penalty, token by token), its advantage
 * that return minus the mean of the other k − 1 answers' returns; the update follows
 * −mean(advantage · log π(answer | prompt)). Samples derive from the seed and the step count, so
 * a run is repeatable.
 */
public final class Rloo extends OnPolicyTrainer {

    /** Scores answers to prompts; higher is better. A {@link RewardModel} is one ({@link #of(RewardModel)}). */
    @FunctionalInterface
    public interface Reward {
        double[] score(List<int[]> prompts, List<int[]> responses);

        static Reward of(RewardModel model) {
            return model::score;
        }
    }

    /** One step's means over its samples: raw reward, summed log-ratio (KL estimate), return, answer length, loss. */
    public record Metrics(long step, double reward, double kl, double totalReward, double responseLength, double loss) {}

    private final RlooSettings settings;

    /** {@code stopToken} (e.g. end-of-text, or negative for none) ends an answer and pads batches. */
    public Rloo(Gpt policy, Gpt reference, Reward reward, RlooSettings settings, int stopToken) {
        super(policy, reference, reward, settings.weightDecay(), stopToken);
        this.settings = settings;
    }

    /** Samples {@code k} answers to each prompt, scores them, and takes one update. */
    public Metrics step(List<int[]> prompts) {
        int k = settings.samples();
        int context = policy.config().contextLength();
        Rollouts rollouts = sample(prompts, k, settings.maxNewTokens(), settings.temperature(), settings.seed());
        List<int[]> rowPrompts = rollouts.prompts();
        List<int[]> responses = rollouts.responses();
        double[] rewards = reward.score(rowPrompts, responses);
        Batch batch = rollouts.pack(stopToken, context);
        float[] referenceLogProbs = logProbs(reference, batch);

        policy.setTraining(true);
        float[] policyLogProbs = policy.tokenLogProbs(batch);
        int rows = rowPrompts.size();
        double[] returns = new double[rows];
        double[] kls = new double[rows];
        for (int r = 0; r < rows; r++) {
            double kl = 0;
            for (int t = 0; t < batch.length(); t++) {
                int at = r * batch.length() + t;
                kl += policyLogProbs[at] - referenceLogProbs[at];
            }
            kls[r] = kl;
            returns[r] = rewards[r] - settings.klCoefficient() * kl;
        }
        float[] dSequence = new float[rows];
        double loss = 0;
        for (int p = 0; p < prompts.size(); p++) {
            double sum = 0;
            for (int s = 0; s < k; s++) {
                sum += returns[p * k + s];
            }
            for (int s = 0; s < k; s++) {
                int r = p * k + s;
                double advantage = returns[r] - (sum - returns[r]) / (k - 1);
                double logProb = 0;
                for (int t = 0; t < batch.length(); t++) {
                    logProb += policyLogProbs[r * batch.length() + t];
                }
                loss -= advantage * logProb / rows;
                dSequence[r] = (float) (-advantage / rows);
            }
        }
        policy.zeroGrad();
        policy.backwardLogProbs(SequenceLogProbs.perToken(batch, dSequence));
        optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
        sftStep();
        policy.setTraining(false);

        return new Metrics(steps++, mean(rewards), mean(kls), mean(returns), rollouts.meanResponseLength(), loss);
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
