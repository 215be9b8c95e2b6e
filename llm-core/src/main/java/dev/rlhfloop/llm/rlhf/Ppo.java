package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.AdamW;

import java.util.List;

/**
 * Proximal Policy Optimization (Schulman et al., 2017) as RLHF uses it (Ouyang et al., 2022):
 * each step samples answers from the policy, gives every answer token the reward
 * r_t = −β·(log π_old(y_t) − log π_ref(y_t)) plus, at the last token, the reward model's score;
 * estimates advantages with GAE over the critic's values, δ_t = r_t + γ·V_{t+1} − V_t,
 * A_t = δ_t + γλ·A_{t+1} (V after the last token is 0), whitened over the batch, and returns
 * R_t = A_t + V_t; then takes {@code epochs} optimizer steps on the same samples: the policy on
 * the clipped surrogate ({@link ClippedSurrogate}, mean over answer tokens), the critic on
 * ½·max((V − R)², (V_old + clip(V − V_old, ±ε_v) − R)²). Dropout stays off, so the ratio
 * compares one function at two points in time. Samples derive from the seed and the step count.
 */
public final class Ppo extends OnPolicyTrainer {

    /**
     * One step's means: raw reward, summed log-ratio to the reference per answer (KL estimate),
     * answer length; the last epoch's policy loss, value loss and share of clipped tokens.
     */
    public record Metrics(long step, double reward, double kl, double responseLength, double policyLoss, double valueLoss,
                          double clipFraction) {}

    /**
     * A rollout ready for the losses, per position of {@code batch} (0 where the target is ignored):
     * the sampling policy's log-probabilities, the advantages, the returns and the critic's values.
     */
    record Rollout(Batch batch, float[] oldLogProbs, double[] advantages, double[] returns, double[] oldValues) {

        int answerTokens() {
            int n = 0;
            for (int target : batch.targets()) {
                n += target == Batch.IGNORE ? 0 : 1;
            }
            return n;
        }
    }

    private final ValueModel critic;
    private final PpoSettings settings;
    private final AdamW criticOptimizer;

    /**
     * {@code critic} (e.g. {@link ValueModel#fromRewardModel}) is trained in place alongside the
     * policy; {@code stopToken} (e.g. end-of-text, or negative for none) ends an answer and pads batches.
     */
    public Ppo(Gpt policy, Gpt reference, ValueModel critic, Rloo.Reward reward, PpoSettings settings, int stopToken) {
        super(policy, reference, reward, settings.weightDecay(), stopToken);
        if (critic.backbone() == policy) {
            throw new IllegalArgumentException("the critic needs its own backbone (see ValueModel.fromRewardModel)");
        }
        this.critic = critic;
        this.settings = settings;
        this.criticOptimizer = new AdamW(critic.parameters(), adamW(settings.weightDecay()));
    }

    /** A PPO run against a reward model, with a critic initialised from it. */
    public static Ppo against(Gpt policy, Gpt reference, RewardModel rewardModel, PpoSettings settings, int stopToken) {
        return new Ppo(policy, reference, ValueModel.fromRewardModel(rewardModel), Rloo.Reward.of(rewardModel), settings, stopToken);
    }

    /** Samples answers to the prompts, scores them, and takes {@code epochs} updates of policy and critic on them. */
    public Metrics step(List<int[]> prompts) {
        Rollouts rollouts = sample(prompts, settings.samples(), settings.maxNewTokens(), settings.temperature(), settings.seed());
        double[] scores = reward.score(rollouts.prompts(), rollouts.responses());
        Batch batch = rollouts.pack(stopToken, policy.config().contextLength());
        float[] referenceLogProbs = logProbs(reference, batch);
        float[] oldLogProbs = logProbs(policy, batch);
        critic.backbone().setTraining(false);
        double[] oldValues = critic.values(batch);

        double[] tokenRewards = new double[batch.tokens()];
        double kl = 0;
        for (int r = 0; r < rollouts.rows(); r++) {
            int answer = rollouts.responses().get(r).length;
            for (int j = 0; j < answer; j++) {
                int at = rollouts.position(batch, r, j);
                double logRatio = oldLogProbs[at] - referenceLogProbs[at];
                kl += logRatio;
                tokenRewards[at] = -settings.klCoefficient() * logRatio + (j == answer - 1 ? scores[r] : 0);
            }
        }
        double[] advantages = new double[batch.tokens()];
        double[] returns = new double[batch.tokens()];
        for (int r = 0; r < rollouts.rows(); r++) {
            int answer = rollouts.responses().get(r).length;
            double[] rowRewards = new double[answer];
            double[] rowValues = new double[answer];
            for (int j = 0; j < answer; j++) {
                rowRewards[j] = tokenRewards[rollouts.position(batch, r, j)];
                rowValues[j] = oldValues[rollouts.position(batch, r, j)];
            }
            double[] rowAdvantages = gae(rowRewards, rowValues, settings.gamma(), settings.lambda());
            for (int j = 0; j < answer; j++) {
                int at = rollouts.position(batch, r, j);
                advantages[at] = rowAdvantages[j];
                returns[at] = rowAdvantages[j] + oldValues[at];
            }
        }
        whiten(advantages, batch);
        Rollout rollout = new Rollout(batch, oldLogProbs, advantages, returns, oldValues);

        ClippedSurrogate.Loss policyLoss = null;
        double valueLoss = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            policy.zeroGrad();
            policyLoss = policyLoss(rollout, true);
            optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
            sftStep();
            critic.zeroGrad();
            valueLoss = valueLoss(rollout, true);
            criticOptimizer.clipAndUpdate(settings.valueLearningRate(), settings.maxGradNorm());
        }
        return new Metrics(steps++, mean(scores), kl / rollouts.rows(), rollouts.meanResponseLength(), policyLoss.loss(), valueLoss,
                policyLoss.clipFraction());
    }

    /** The clipped surrogate, mean over answer tokens; with {@code backward}, its gradient added into the policy's. */
    ClippedSurrogate.Loss policyLoss(Rollout rollout, boolean backward) {
        Batch batch = rollout.batch();
        double[] weights = new double[batch.tokens()];
        double weight = 1.0 / rollout.answerTokens();
        for (int at = 0; at < weights.length; at++) {
            weights[at] = batch.targets()[at] == Batch.IGNORE ? 0 : weight;
        }
        return ClippedSurrogate.policyLoss(policy, batch, rollout.oldLogProbs(), rollout.advantages(), weights, null, 0,
                settings.clipRange(), backward);
    }

    /** The clipped value loss, mean over answer tokens; with {@code backward}, its gradient added into the critic's. */
    double valueLoss(Rollout rollout, boolean backward) {
        Batch batch = rollout.batch();
        critic.backbone().setTraining(false);
        double[] values = critic.values(batch);
        int n = rollout.answerTokens();
        double epsilon = settings.valueClipRange();
        double loss = 0;
        double[] d = new double[batch.tokens()];
        for (int at = 0; at < batch.tokens(); at++) {
            if (batch.targets()[at] == Batch.IGNORE) {
                continue;
            }
            double old = rollout.oldValues()[at];
            double target = rollout.returns()[at];
            double clippedValue = old + Math.max(-epsilon, Math.min(epsilon, values[at] - old));
            double plain = values[at] - target;
            double held = clippedValue - target;
            if (plain * plain >= held * held) {
                loss += 0.5 * plain * plain / n;
                d[at] = plain / n;
            } else {
                // the clipped value does not move with V (inside the range it is V itself, and then the two terms are equal)
                loss += 0.5 * held * held / n;
            }
        }
        if (backward) {
            critic.backward(d);
        }
        return loss;
    }

    /**
     * Generalised advantage estimates of one answer from its per-token rewards and values:
     * A_t = δ_t + γλ·A_{t+1}, δ_t = r_t + γ·V_{t+1} − V_t, with V and A after the last token 0.
     */
    static double[] gae(double[] rewards, double[] values, double gamma, double lambda) {
        double[] advantages = new double[rewards.length];
        double next = 0;
        double nextValue = 0;
        for (int t = rewards.length - 1; t >= 0; t--) {
            double delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + gamma * lambda * next;
            advantages[t] = next;
            nextValue = values[t];
        }
        return advantages;
    }

    /** Shifts and scales the answer positions' advantages to mean 0 and standard deviation 1 (just centres a single token). */
    private static void whiten(double[] advantages, Batch batch) {
        double sum = 0;
        int n = 0;
        for (int at = 0; at < advantages.length; at++) {
            if (batch.targets()[at] != Batch.IGNORE) {
                sum += advantages[at];
                n++;
            }
        }
        double mean = sum / n;
        double squares = 0;
        for (int at = 0; at < advantages.length; at++) {
            if (batch.targets()[at] != Batch.IGNORE) {
                squares += (advantages[at] - mean) * (advantages[at] - mean);
            }
        }
        double std = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
        for (int at = 0; at < advantages.length; at++) {
            advantages[at] = batch.targets()[at] == Batch.IGNORE ? 0 : (advantages[at] - mean) / (std + 1e-8);
        }
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }
}
