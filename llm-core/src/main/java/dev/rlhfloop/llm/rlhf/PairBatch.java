package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.Forks;

import java.util.Arrays;
import java.util.List;

/**
 * {@code pairs} preference pairs in one batch, so a single forward and backward serve both
 * answers. Row {@code i} holds pair {@code i}: prompt + chosen answer, then the rejected answer's
 * sequence after the tokens it shares with it ({@link Forks}: the prompt up to its last token, which
 * each answer's sequence holds for itself, as it predicts the answer's first token), padded to the
 * longest row. The prompt is computed once, and each answer gets what it would get alone. Targets are
 * the next token where that token belongs to the answer and {@link Batch#IGNORE} over the prompt
 * and padding, so summing {@link dev.rlhfloop.llm.model.Gpt#tokenLogProbs} over a sequence gives
 * log π(answer | prompt). Sequences are numbered chosen {@code [0, pairs)}, rejected
 * {@code [pairs, 2·pairs)}: {@code lastTokens[sequence]} is the index in the batch (row × length +
 * position) of its last token, whose hidden state a reward model reads. {@code weights} are the
 * pairs' weights in the loss.
 */
public record PairBatch(int pairs, Batch batch, int[] lastTokens, double[] weights) {

    /** Collates the pairs; sequences longer than {@code maxLength} lose their end. */
    public static PairBatch collate(List<TokenizedPreference> pairs, int padId, int maxLength) {
        int n = pairs.size();
        if (n == 0) {
            throw new IllegalArgumentException("no preference pairs to collate");
        }
        Row[] rows = new Row[n];
        int[] shared = new int[n];
        int[] second = new int[n];
        int[] end = new int[n];
        double[] weights = new double[n];
        int length = 1;
        for (int i = 0; i < n; i++) {
            TokenizedPreference pair = pairs.get(i);
            weights[i] = pair.weight();
            rows[i] = Row.of(pair, maxLength);
            shared[i] = rows[i].shared();
            second[i] = rows[i].chosen().length;
            end[i] = rows[i].length();
            length = Math.max(length, end[i]);
        }
        int[] inputs = new int[n * length];
        int[] targets = new int[n * length];
        int[] last = new int[2 * n];
        Arrays.fill(inputs, padId);
        Arrays.fill(targets, Batch.IGNORE);
        for (int i = 0; i < n; i++) {
            TokenizedPreference pair = pairs.get(i);
            int base = i * length;
            place(rows[i].chosen(), 0, pair.prompt().length, inputs, targets, base);
            place(rows[i].rejected(), shared[i], pair.rejectedPrompt().length, inputs, targets, base + second[i]);
            last[i] = base + second[i] - 1;
            last[n + i] = base + end[i] - 1;
        }
        return new PairBatch(n, new Batch(n, length, inputs, targets, new Forks(shared, second, end)), last, weights);
    }

    /** Each pair's row length in a batch of its own, as {@link #collate} lays it out. */
    public static int rowLength(TokenizedPreference pair, int maxLength) {
        return Row.of(pair, maxLength).length();
    }

    /** A pair's two sequences, cut to {@code maxLength}, and the tokens the rejected one shares with the chosen one. */
    private record Row(int[] chosen, int[] rejected, int shared) {

        static Row of(TokenizedPreference pair, int maxLength) {
            int[] chosen = concat(pair.prompt(), pair.chosen(), maxLength);
            int[] rejected = concat(pair.rejectedPrompt(), pair.rejected(), maxLength);
            // the tokens both start with, short of the rejected prompt's last, which the rejected sequence keeps
            int limit = Math.min(Math.min(chosen.length, rejected.length - 1), pair.rejectedPrompt().length - 1);
            int shared = 0;
            while (shared < limit && chosen[shared] == rejected[shared]) shared++;
            return new Row(chosen, rejected, shared);
        }

        int length() {
            return chosen.length + rejected.length - shared;
        }
    }

    /** Writes {@code sequence[from..]} at {@code at}, with the next token as target where it belongs to the answer. */
    private static void place(int[] sequence, int from, int promptLength, int[] inputs, int[] targets, int at) {
        for (int t = from; t < sequence.length; t++) {
            inputs[at + t - from] = sequence[t];
            if (t + 1 < sequence.length && t + 1 >= promptLength) targets[at + t - from] = sequence[t + 1];
        }
    }

    private static int[] concat(int[] prompt, int[] answer, int maxLength) {
        int size = Math.min(prompt.length + answer.length, maxLength);
        int[] sequence = new int[size];
        int fromPrompt = Math.min(prompt.length, size);
        System.arraycopy(prompt, 0, sequence, 0, fromPrompt);
        System.arraycopy(answer, 0, sequence, fromPrompt, size - fromPrompt);
        return sequence;
    }

    /** log π(answer | prompt) per sequence (chosen, then rejected), from {@link dev.rlhfloop.llm.model.Gpt#tokenLogProbs} on {@link #batch}. */
    public double[] sequenceSums(float[] tokenLogProbs) {
        Forks forks = batch.forks();
        int length = batch.length();
        double[] sums = new double[2 * pairs];
        for (int i = 0; i < pairs; i++) {
            sums[i] = sum(tokenLogProbs, i * length, forks.second()[i]);
            sums[pairs + i] = sum(tokenLogProbs, i * length + forks.second()[i], forks.end()[i] - forks.second()[i]);
        }
        return sums;
    }

    private static double sum(float[] values, int from, int count) {
        double sum = 0;
        for (int t = from; t < from + count; t++) sum += values[t];
        return (float) sum;
    }

    /** The per-token gradient for {@code backwardLogProbs} from a gradient on each sequence's log π(answer | prompt). */
    public float[] perTokenGradient(double[] dSequenceSums) {
        Forks forks = batch.forks();
        int length = batch.length();
        float[] d = new float[batch.tokens()];
        for (int i = 0; i < pairs; i++) {
            for (int t = 0; t < forks.end()[i]; t++) {
                int at = i * length + t;
                if (batch.targets()[at] != Batch.IGNORE) d[at] = (float) dSequenceSums[t < forks.second()[i] ? i : pairs + i];
            }
        }
        return d;
    }
}
