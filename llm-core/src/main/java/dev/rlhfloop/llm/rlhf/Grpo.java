package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;

import java.util.List;

/**
 * Group Relative Policy Optimization (Shao et al., 2024, DeepSeekMath), without a critic: each
 * step samples a group of k answers per prompt, scores them, and gives every token of answer i the
 * advantage A_i = (r_i − mean(r)) / (std(r) + 1e-4) over its group (sample standard deviation);
 * then takes {@code epochs} optimizer steps on the loss
 * (1/G)·Σ_i (1/|o_i|)·Σ_t [−min(ρ·A_i, clip(ρ, 1 ± ε)·A_i) + β·k3_t], with ρ the ratio to the
 * sampling policy ({@link ClippedSurrogate}) and k3_t = exp(q) − q − 1, q = log π_ref(y_t) − log π(y_t),
 * the unbiased, always non-negative per-token KL estimate of the paper. Dropout stays off.
 * Samples derive from the seed and the step count, so a run is repeatable.
 */
public final class Grpo extends OnPolicyTrainer {

    /**
     * One step's means: raw reward, the groups' reward standard deviation, summed log-ratio to the
     * reference per answer (KL estimate, as RLOO reports it), answer length; the last epoch's loss
     * and share of clipped tokens.
     */
    public record Metrics(long step, double reward, double rewardStd, double kl, double responseLength, double loss,
                          double clipFraction) {}

    /**
     * A group batch ready for the loss, per position of {@code batch}: the sampling policy's and
     * the reference's log-probabilities, the advantage, and the weight 1/(G·|o_i|) (0 where the
     * target is ignored).
     */
    record Rollout(Batch batch, float[] oldLogProbs, float[] referenceLogProbs, double[] advantages, double[] weights) {}

    private final GrpoSettings settings;

    /** {@code stopToken} (e.g. end-of-text, or negative for none) ends an answer and pads batches. */
    public Grpo(Gpt policy, Gpt reference, Rloo.Reward reward, GrpoSettings settings, int stopToken) {
        super(policy, reference, reward, settings.weightDecay(), stopToken);
        this.settings = settings;
    }

    /** Samples a group of answers to each prompt, scores them, and takes {@code epochs} updates on them. */
    public Metrics step(List<int[]> prompts) {
        int k = settings.samples();
        Rollouts rollouts = sample(prompts, k, settings.maxNewTokens(), settings.temperature(), settings.seed());
        double[] scores = reward.score(rollouts.prompts(), rollouts.responses());
        Batch batch = rollouts.pack(stopToken, policy.config().contextLength());
        float[] referenceLogProbs = logProbs(reference, batch);
        float[] oldLogProbs = logProbs(policy, batch);

        double[] advantages = new double[batch.tokens()];
        double[] weights = new double[batch.tokens()];
        double stdSum = 0;
        double kl = 0;
        int rows = rollouts.rows();
        for (int p = 0; p < prompts.size(); p++) {
            double mean = 0;
            for (int s = 0; s < k; s++) {
                mean += scores[p * k + s] / k;
            }
            double squares = 0;
            for (int s = 0; s < k; s++) {
                squares += (scores[p * k + s] - mean) * (scores[p * k + s] - mean);
            }
            double std = Math.sqrt(squares / (k - 1));
            stdSum += std;
            for (int s = 0; s < k; s++) {
                int r = p * k + s;
                int answer = rollouts.responses().get(r).length;
                for (int j = 0; j < answer; j++) {
                    int at = rollouts.position(batch, r, j);
                    advantages[at] = (scores[r] - mean) / (std + 1e-4);
                    weights[at] = 1.0 / ((double) rows * answer);
                    kl += oldLogProbs[at] - referenceLogProbs[at];
                }
            }
        }
        Rollout rollout = new Rollout(batch, oldLogProbs, referenceLogProbs, advantages, weights);
        ClippedSurrogate.Loss loss = null;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            policy.zeroGrad();
            loss = loss(rollout, true);
            optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
            sftStep();
        }
        return new Metrics(steps++, Ppo.mean(scores), stdSum / prompts.size(), kl / rows, rollouts.meanResponseLength(), loss.loss(),
                loss.clipFraction());
    }

    /** GRPO's loss on a rollout; with {@code backward}, its gradient added into the policy's. */
    ClippedSurrogate.Loss loss(Rollout rollout, boolean backward) {
        return ClippedSurrogate.policyLoss(policy, rollout.batch(), rollout.oldLogProbs(), rollout.advantages(), rollout.weights(),
                rollout.referenceLogProbs(), settings.klCoefficient(), settings.clipRange(), backward);
    }
}
