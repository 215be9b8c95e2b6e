package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.sample.SequenceLogProbs;

import java.util.List;

/**
 * {@code pairs} preference pairs stacked into one batch, so a single forward and backward serve
 * both answers: rows {@code [0, pairs)} hold prompt + chosen answer, rows {@code [pairs, 2·pairs)}
 * prompt + rejected answer, each padded to the longest row. Inputs are the whole sequence (the
 * reward model reads the hidden state of its last token, {@code lastPositions[row]}); targets are
 * the next token where that token belongs to the answer and {@link Batch#IGNORE} over the prompt
 * and padding, so summing {@link dev.rlhfloop.llm.model.Gpt#tokenLogProbs} over a row gives
 * log π(answer | prompt); {@code weights} are the pairs' weights in the loss. (Unlike {@link SequenceLogProbs#pack}, whose rows end one token early,
 * each row here holds its whole sequence, so the reward model sees the answer's last token.)
 */
public record PairBatch(int pairs, Batch batch, int[] lastPositions, double[] weights) {

    /** Collates the pairs; sequences longer than {@code maxLength} lose their end. */
    public static PairBatch collate(List<TokenizedPreference> pairs, int padId, int maxLength) {
        int n = pairs.size();
        if (n == 0) {
            throw new IllegalArgumentException("no preference pairs to collate");
        }
        int[][] sequences = new int[2 * n][];
        int[] promptLengths = new int[2 * n];
        double[] weights = new double[n];
        int length = 1;
        for (int i = 0; i < n; i++) {
            TokenizedPreference pair = pairs.get(i);
            weights[i] = pair.weight();
            sequences[i] = concat(pair.prompt(), pair.chosen(), maxLength);
            sequences[n + i] = concat(pair.rejectedPrompt(), pair.rejected(), maxLength);
            promptLengths[i] = pair.prompt().length;
            promptLengths[n + i] = pair.rejectedPrompt().length;
            length = Math.max(length, Math.max(sequences[i].length, sequences[n + i].length));
        }
        int[] inputs = new int[2 * n * length];
        int[] targets = new int[2 * n * length];
        int[] last = new int[2 * n];
        for (int row = 0; row < 2 * n; row++) {
            int[] sequence = sequences[row];
            int base = row * length;
            for (int t = 0; t < length; t++) {
                inputs[base + t] = t < sequence.length ? sequence[t] : padId;
                boolean answerTarget = t + 1 < sequence.length && t + 1 >= promptLengths[row];
                targets[base + t] = answerTarget ? sequence[t + 1] : Batch.IGNORE;
            }
            last[row] = sequence.length - 1;
        }
        return new PairBatch(n, new Batch(2 * n, length, inputs, targets), last, weights);
    }

    private static int[] concat(int[] prompt, int[] answer, int maxLength) {
        int size = Math.min(prompt.length + answer.length, maxLength);
        int[] sequence = new int[size];
        int fromPrompt = Math.min(prompt.length, size);
        System.arraycopy(prompt, 0, sequence, 0, fromPrompt);
        System.arraycopy(answer, 0, sequence, fromPrompt, size - fromPrompt);
        return sequence;
    }

    /** log π(answer | prompt) per row, from {@link dev.rlhfloop.llm.model.Gpt#tokenLogProbs} on {@link #batch}. */
    public double[] sequenceSums(float[] tokenLogProbs) {
        float[] sums = SequenceLogProbs.perSequence(batch, tokenLogProbs);
        double[] result = new double[sums.length];
        for (int i = 0; i < sums.length; i++) {
            result[i] = sums[i];
        }
        return result;
    }

    /** The per-token gradient for {@code backwardLogProbs} from a gradient on each row's log π(answer | prompt). */
    public float[] perTokenGradient(double[] dRowSums) {
        float[] d = new float[dRowSums.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) dRowSums[i];
        }
        return SequenceLogProbs.perToken(batch, d);
    }
}
