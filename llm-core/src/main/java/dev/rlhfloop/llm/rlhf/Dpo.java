package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;

/**
 * Direct Preference Optimization (Rafailov et al., 2023) of a policy against a frozen reference:
 * the Bradley–Terry loss on implicit rewards β·(log π(y|x) − log π_ref(y|x)), where log π(y|x)
 * sums the answer's token log-probabilities (prompt and padding masked). The reference's
 * log-probabilities never change, so callers may compute them once per pair and reuse them.
 */
public final class Dpo {

    private final Gpt policy;
    private final Gpt reference;
    private final double beta;

    public Dpo(Gpt policy, Gpt reference, double beta) {
        if (policy == reference) {
            throw new IllegalArgumentException("the reference must be a separate, frozen copy of the policy (see Gpt.copy)");
        }
        if (!policy.config().equals(reference.config())) {
            throw new IllegalArgumentException("policy and reference differ in shape: " + policy.config() + " vs " + reference.config());
        }
        if (!(beta > 0)) {
            throw new IllegalArgumentException("beta must be positive, got " + beta);
        }
        this.policy = policy;
        this.reference = reference;
        this.beta = beta;
    }

    public double beta() {
        return beta;
    }

    /** log π_ref(answer | prompt) per sequence of the batch (chosen, then rejected). */
    public double[] referenceLogProbs(PairBatch pairs) {
        return referenceLogProbs(reference, pairs);
    }

    /** log {@code reference}(answer | prompt) per sequence of the batch, computed in evaluation mode. */
    static double[] referenceLogProbs(Gpt reference, PairBatch pairs) {
        boolean was = reference.isTraining();
        reference.setTraining(false);
        double[] sums = pairs.sequenceSums(reference.tokenLogProbs(pairs.batch()));
        reference.setTraining(was);
        return sums;
    }

    /** The loss and metrics of a batch, without gradients. */
    public PreferenceMetrics evaluate(PairBatch pairs, double[] referenceLogProbs) {
        double[] policyLogProbs = pairs.sequenceSums(policy.tokenLogProbs(pairs.batch()));
        return PreferenceMetrics.of(PairwiseLogistic.of(rewards(policyLogProbs, referenceLogProbs), pairs.weights()));
    }

    /**
     * Forward and backward of {@code scale ×} the batch's mean DPO loss, adding into the policy's
     * gradients (zero them first unless accumulating).
     */
    public PreferenceMetrics forwardBackward(PairBatch pairs, double[] referenceLogProbs, double scale) {
        double[] policyLogProbs = pairs.sequenceSums(policy.tokenLogProbs(pairs.batch()));
        PairwiseLogistic result = PairwiseLogistic.of(rewards(policyLogProbs, referenceLogProbs), pairs.weights());
        // d loss / d log π(row) = β · d loss / d reward(row)
        policy.backwardLogProbs(pairs.perTokenGradient(result.scoreGradient(scale * beta)));
        return PreferenceMetrics.of(result);
    }

    private double[] rewards(double[] policyLogProbs, double[] referenceLogProbs) {
        if (policyLogProbs.length != referenceLogProbs.length) {
            throw new IllegalArgumentException("reference log-probabilities are for " + referenceLogProbs.length
                    + " rows, the batch has " + policyLogProbs.length);
        }
        double[] rewards = new double[policyLogProbs.length];
        for (int i = 0; i < rewards.length; i++) {
            rewards[i] = beta * (policyLogProbs[i] - referenceLogProbs[i]);
        }
        return rewards;
    }

    /**
     * Mean per-token KL(π ‖ π_ref) over the answer positions of the batch, summed over the whole
     * vocabulary at each position (exact given the context, not a sampled estimate).
     */
    public double klToReference(PairBatch pairs) {
        Batch batch = pairs.batch();
        int v = policy.config().vocabSize();
        int rows = batch.tokens();
        float[] referenceLogits = reference.forward(batch.inputs(), batch.batchSize(), batch.length(), batch.forks()).clone();
        float[] policyLogits = policy.forward(batch.inputs(), batch.batchSize(), batch.length(), batch.forks());
        double total = 0;
        int counted = 0;
        for (int row = 0; row < rows; row++) {
            if (batch.targets()[row] == Batch.IGNORE) {
                continue;
            }
            total += Kl.ofLogits(policyLogits, referenceLogits, row * v, v);
            counted++;
        }
        return counted == 0 ? 0 : total / counted;
    }
}
