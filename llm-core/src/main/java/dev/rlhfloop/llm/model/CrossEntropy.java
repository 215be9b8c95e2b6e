package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;

/**
 * Softmax over each row of logits, in place, and the per-row negative log-likelihood of its
 * target. Rows whose target is {@link Batch#IGNORE} give 0 and no gradient.
 */
public final class CrossEntropy {

    private CrossEntropy() {}

    /**
     * Turns {@code logits[rows, V]} into probabilities in place and writes {@code logProbs[row]} =
     * log p(target) (0 for ignored rows). Returns the number of rows that count.
     */
    public static int softmaxLogProbs(float[] logits, int[] targets, float[] logProbs, int rows, int vocabSize) {
        Parallel.forEach(0, rows, row -> {
            int at = row * vocabSize;
            float max = VectorMath.max(logits, at, vocabSize);
            int target = targets[row];
            float targetLogit = target == Batch.IGNORE ? 0f : checkTarget(logits, at, target, vocabSize);
            float sum = VectorMath.expShifted(logits, at, vocabSize, max);
            VectorMath.scale(logits, at, vocabSize, 1f / sum);
            logProbs[row] = target == Batch.IGNORE ? 0f : targetLogit - max - (float) Math.log(sum);
        });
        int counted = 0;
        for (int row = 0; row < rows; row++) {
            if (targets[row] != Batch.IGNORE) {
                counted++;
            }
        }
        return counted;
    }

    private static float checkTarget(float[] logits, int at, int target, int vocabSize) {
        if (target < 0 || target >= vocabSize) {
            throw new IllegalArgumentException("target id " + target + " outside the vocabulary [0, " + vocabSize + ") and not IGNORE (-100)");
        }
        return logits[at + target];
    }

    /**
     * Given {@code probs} from {@link #softmaxLogProbs} and the gradient {@code dlogProb[row]} of
     * the objective with respect to each row's log p(target), overwrites {@code probs} with the
     * gradient with respect to the logits: {@code dlogProb·(onehot − p)}.
     */
    public static void backward(float[] probs, int[] targets, float[] dlogProb, int rows, int vocabSize) {
        Parallel.forEach(0, rows, row -> {
            int at = row * vocabSize;
            int target = targets[row];
            float g = target == Batch.IGNORE ? 0f : dlogProb[row];
            VectorMath.scale(probs, at, vocabSize, -g);
            if (target != Batch.IGNORE) {
                probs[at + target] += g;
            }
        });
    }
}
