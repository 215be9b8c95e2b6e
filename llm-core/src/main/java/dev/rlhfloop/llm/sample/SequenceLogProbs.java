package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;

import java.util.List;

/**
 * Log-probabilities of given responses to given prompts, the quantity reward models, DPO and PPO
 * work with. {@link #pack} lays out prompt+response pairs as one right-padded {@link Batch} whose
 * targets are the response tokens only; {@link Gpt#tokenLogProbs} on it gives per-token values,
 * {@link #perSequence} sums them per row, and {@link #perToken} turns a gradient on the sums
 * into the per-token gradient {@link Gpt#backwardLogProbs} takes.
 */
public final class SequenceLogProbs {

    private SequenceLogProbs() {}

    /** Row i = prompts[i] ++ responses[i] shifted by one; padding uses {@code padToken} with ignored targets. */
    public static Batch pack(List<int[]> prompts, List<int[]> responses, int padToken, int contextLength) {
        return pack(prompts, responses, padToken, contextLength, 1);
    }

    /**
     * As {@link #pack(List, List, int, int)}, with rows at least {@code minLength} long: padding
     * every batch to one length (e.g. the context length) keeps the model's buffers from being
     * reallocated for each new shape.
     */
    public static Batch pack(List<int[]> prompts, List<int[]> responses, int padToken, int contextLength, int minLength) {
        if (prompts.size() != responses.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException("need as many prompts as responses, at least one; got "
                    + prompts.size() + " and " + responses.size());
        }
        if (minLength > contextLength) {
            throw new IllegalArgumentException("minLength " + minLength + " exceeds the context length " + contextLength);
        }
        int rows = prompts.size();
        int length = Math.max(1, minLength);
        for (int r = 0; r < rows; r++) {
            if (prompts.get(r).length == 0) {
                throw new IllegalArgumentException("prompt " + r + " is empty: the first response token needs a token before it");
            }
            int full = prompts.get(r).length + responses.get(r).length - 1;
            if (full > contextLength) {
                throw new IllegalArgumentException("pair " + r + " has " + (full + 1) + " tokens, more than the context length "
                        + contextLength + " + 1");
            }
            length = Math.max(length, full);
        }
        int[] inputs = new int[rows * length];
        int[] targets = new int[rows * length];
        java.util.Arrays.fill(inputs, padToken);
        java.util.Arrays.fill(targets, Batch.IGNORE);
        for (int r = 0; r < rows; r++) {
            int[] prompt = prompts.get(r);
            int[] response = responses.get(r);
            int at = r * length;
            for (int t = 0; t < prompt.length + response.length - 1; t++) {
                inputs[at + t] = t < prompt.length ? prompt[t] : response[t - prompt.length];
                if (t + 1 >= prompt.length) {
                    targets[at + t] = response[t + 1 - prompt.length];
                }
            }
        }
        return new Batch(rows, length, inputs, targets);
    }

    /** Σ over each row of the per-token log-probabilities (ignored positions hold 0). */
    public static float[] perSequence(Batch batch, float[] tokenLogProbs) {
        float[] sums = new float[batch.batchSize()];
        for (int r = 0; r < batch.batchSize(); r++) {
            double sum = 0;
            for (int t = 0; t < batch.length(); t++) {
                sum += tokenLogProbs[r * batch.length() + t];
            }
            sums[r] = (float) sum;
        }
        return sums;
    }

    /** The per-token gradient for {@link Gpt#backwardLogProbs} from a gradient on each row's sum. */
    public static float[] perToken(Batch batch, float[] dSequence) {
        float[] d = new float[batch.tokens()];
        for (int r = 0; r < batch.batchSize(); r++) {
            for (int t = 0; t < batch.length(); t++) {
                int i = r * batch.length() + t;
                d[i] = batch.targets()[i] == Batch.IGNORE ? 0f : dSequence[r];
            }
        }
        return d;
    }

    /** Sequence log-probabilities in evaluation mode (no dropout); for training use the pieces above. */
    public static float[] score(Gpt model, List<int[]> prompts, List<int[]> responses, int padToken) {
        Batch batch = pack(prompts, responses, padToken, model.config().contextLength());
        boolean training = model.isTraining();
        model.setTraining(false);
        try {
            return perSequence(batch, model.tokenLogProbs(batch));
        } finally {
            model.setTraining(training);
        }
    }
}
