package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Forks;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.rlhfloop.llm.model.GradCheck.check;
import static dev.rlhfloop.llm.model.GradCheck.project;
import static dev.rlhfloop.llm.model.GradCheck.randoms;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every layer's backward against finite differences of its forward, on odd sizes that do not fill a vector. */
class LayerGradientTest {

    private final Random random = new Random(42);

    @Test
    void checkerRejectsAWrongGradient() {
        float[] x = randoms(random, 5, 1);
        float[] weights = randoms(random, 5, 1);
        float[] wrong = weights.clone();
        wrong[3] *= 1.1f;
        assertTrue(GradCheck.compare(x, weights, () -> project(x, weights), 100) <= 1.0);
        assertTrue(GradCheck.compare(x, wrong, () -> project(x, weights), 100) > 1.0);
    }

    @Test
    void layerNorm() {
        int rows = 3, c = 13;
        float[] x = randoms(random, rows * c, 1.5);
        float[] w = randoms(random, c, 1);
        float[] b = randoms(random, c, 1);
        float[] r = randoms(random, rows * c, 1);
        float[] out = new float[rows * c], mean = new float[rows], rstd = new float[rows];
        java.util.function.DoubleSupplier loss = () -> {
            LayerNorm.forward(out, mean, rstd, x, w, b, rows, c, 1e-5f);
            return project(out, r);
        };
        loss.getAsDouble();
        float[] dx = randoms(random, rows * c, 1);
        float[] residual = dx.clone();
        float[] dw = new float[c], db = new float[c];
        LayerNorm.backward(dx, dw, db, r, x, w, mean, rstd, rows, c);
        for (int i = 0; i < dx.length; i++) {
            dx[i] -= residual[i]; // backward adds into dinp
        }
        check("layernorm dx", x, dx, loss, 100);
        check("layernorm dweight", w, dw, loss, 100);
        check("layernorm dbias", b, db, loss, 100);
    }

    @Test
    void linear() {
        int rows = 5, in = 7, outs = 11;
        float[] x = randoms(random, rows * in, 1);
        float[] w = randoms(random, in * outs, 0.5);
        float[] b = randoms(random, outs, 0.5);
        float[] r = randoms(random, rows * outs, 1);
        float[] out = new float[rows * outs];
        java.util.function.DoubleSupplier loss = () -> {
            Linear.forward(out, x, w, b, rows, in, outs);
            return project(out, r);
        };
        float[] dx = new float[rows * in];
        float[] dw = randoms(random, in * outs, 1);
        float[] dwBefore = dw.clone();
        float[] db = new float[outs];
        Linear.backward(dx, dw, db, r, x, w, rows, in, outs);
        for (int i = 0; i < dw.length; i++) {
            dw[i] -= dwBefore[i]; // weight gradients accumulate
        }
        check("linear dx", x, dx, loss, 100);
        check("linear dweight", w, dw, loss, 100);
        check("linear dbias", b, db, loss, 100);
        float[] outNoBias = new float[rows * outs];
        Linear.forward(outNoBias, x, w, null, rows, in, outs);
        Linear.forward(out, x, w, b, rows, in, outs);
        assertEquals(outNoBias[outs + 3] + b[3], out[outs + 3], 1e-5);
    }

    @Test
    void gelu() {
        int n = 37;
        float[] x = randoms(random, n, 2);
        float[] r = randoms(random, n, 1);
        float[] out = new float[n];
        java.util.function.DoubleSupplier loss = () -> {
            Gelu.forward(out, x, n);
            return project(out, r);
        };
        float[] dx = new float[n];
        Gelu.backward(dx, x, r, n);
        check("gelu", x, dx, loss, 100);
    }

    @Test
    void embedding() {
        int batch = 2, length = 3, c = 5, vocab = 4, context = 4;
        int[] tokens = {1, 3, 1, 0, 1, 2};
        float[] wte = randoms(random, vocab * c, 1);
        float[] wpe = randoms(random, context * c, 1);
        float[] r = randoms(random, batch * length * c, 1);
        float[] out = new float[batch * length * c];
        java.util.function.DoubleSupplier loss = () -> {
            Embedding.forward(out, tokens, wte, wpe, batch, length, 0, c, vocab);
            return project(out, r);
        };
        float[] dwte = new float[wte.length], dwpe = new float[wpe.length];
        Embedding.backward(dwte, dwpe, r, tokens, batch, length, c);
        check("embedding dwte", wte, dwte, loss, 100);
        check("embedding dwpe", wpe, dwpe, loss, 100);
    }

    @Test
    void attention() {
        attention(0f);
    }

    @Test
    void attentionWithDropout() {
        attention(0.3f);
    }

    @Test
    void attentionOverSeveralQueryBlocks() {
        attention(0f, 1, Attention.BLOCK + 9, 8, 2, 300);
        attention(0.2f, 1, Attention.BLOCK + 9, 8, 2, 300);
    }

    @Test
    void attentionMatchesTheTextbookFormulaOverSeveralBlocks() {
        attentionMatchesTheTextbookFormula(2 * Attention.BLOCK + 3, null);
    }

    /** Two sequences in one row, sharing 40 tokens: the second's queries see those and their own keys only. */
    @Test
    void forkedAttentionMatchesTheTextbookFormulaOverSeveralBlocks() {
        int length = 2 * Attention.BLOCK + 3;
        attentionMatchesTheTextbookFormula(length, new Forks(new int[] {40}, new int[] {Attention.BLOCK + 5}, new int[] {length}));
    }

    private void attentionMatchesTheTextbookFormula(int length, Forks forks) {
        int c = 8, heads = 2, hd = 4;
        float[] qkv = randoms(random, length * 3 * c, 1);
        float[] out = new float[length * c];
        Attention.forward(out, new float[heads * length], qkv, 1, length, c, heads, forks, 0f, 0);
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < length; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    if (forks != null && t >= forks.second()[0] && j >= forks.shared()[0] && j < forks.second()[0]) {
                        scores[j] = Double.NEGATIVE_INFINITY; // the first sequence's own tokens
                        continue;
                    }
                    for (int d = 0; d < hd; d++) {
                        scores[j] += qkv[t * 3 * c + h * hd + d] * qkv[j * 3 * c + c + h * hd + d];
                    }
                    scores[j] /= Math.sqrt(hd);
                    max = Math.max(max, scores[j]);
                }
                double z = 0;
                for (int j = 0; j <= t; j++) z += Math.exp(scores[j] - max);
                for (int d = 0; d < hd; d++) {
                    double y = 0;
                    for (int j = 0; j <= t; j++) y += Math.exp(scores[j] - max) / z * qkv[j * 3 * c + 2 * c + h * hd + d];
                    assertEquals(y, out[t * c + h * hd + d], 1e-5, "t=" + t + " h=" + h);
                }
            }
        }
    }

    private void attention(float rate) {
        attention(rate, 2, 5, 12, 3, 1000);
    }

    @Test
    void forkedAttentionOverSeveralQueryBlocks() {
        int length = Attention.BLOCK + 9;
        Forks forks = new Forks(new int[] {30, 0}, new int[] {Attention.BLOCK - 2, 20}, new int[] {length, length - 4});
        attention(0f, 2, length, 8, 2, 300, forks);
        attention(0.2f, 2, length, 8, 2, 300, forks);
    }

    private void attention(float rate, int batch, int length, int c, int heads, int checks) {
        attention(rate, batch, length, c, heads, checks, null);
    }

    private void attention(float rate, int batch, int length, int c, int heads, int checks, Forks forks) {
        long key = Dropout.key(7, 1, 3);
        float[] qkv = randoms(random, batch * length * 3 * c, 1);
        float[] r = randoms(random, batch * length * c, 1);
        float[] out = new float[batch * length * c];
        float[] lse = new float[batch * heads * length];
        java.util.function.DoubleSupplier loss = () -> {
            Attention.forward(out, lse, qkv, batch, length, c, heads, forks, rate, key);
            return project(out, r);
        };
        loss.getAsDouble();
        float[] dqkv = randoms(random, qkv.length, 1); // must be overwritten, not added to
        Attention.backward(dqkv, r, qkv, out, lse, batch, length, c, heads, forks, rate, key);
        check("attention dqkv (dropout " + rate + ", length " + length + (forks == null ? "" : ", forked") + ")", qkv, dqkv, loss, checks);
    }

    @Test
    void attentionIsCausal() {
        int length = 4, c = 8, heads = 2;
        float[] qkv = randoms(random, length * 3 * c, 1);
        float[] out = new float[length * c];
        Attention.forward(out, new float[heads * length], qkv, 1, length, c, heads, 0f, 0);
        float[] changed = qkv.clone();
        for (int i = 3 * 3 * c; i < 4 * 3 * c; i++) {
            changed[i] += 1f; // the last position's q, k and v
        }
        float[] out2 = new float[length * c];
        Attention.forward(out2, new float[heads * length], changed, 1, length, c, heads, 0f, 0);
        assertArrayEquals(java.util.Arrays.copyOf(out, 3 * c), java.util.Arrays.copyOf(out2, 3 * c));
    }

    @Test
    void crossEntropy() {
        int rows = 4, vocab = 9;
        int[] targets = {3, dev.rlhfloop.llm.data.Batch.IGNORE, 0, 8};
        float[] logits = randoms(random, rows * vocab, 2);
        float[] weights = randoms(random, rows, 1);
        float[] logProbs = new float[rows];
        java.util.function.DoubleSupplier loss = () -> {
            float[] work = logits.clone();
            CrossEntropy.softmaxLogProbs(work, targets, logProbs, rows, vocab);
            return project(logProbs, weights);
        };
        float[] probs = logits.clone();
        assertEquals(3, CrossEntropy.softmaxLogProbs(probs, targets, logProbs, rows, vocab));
        assertEquals(0f, logProbs[1]);
        CrossEntropy.backward(probs, targets, weights, rows, vocab);
        check("cross-entropy dlogits", logits, probs, loss, 100);
    }

    @Test
    void dropoutIsItsOwnBackwardAndDeterministic() {
        int n = 10_000;
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        long key = Dropout.key(1, 0, 2);
        Dropout.apply(x, n, 0.25f, key);
        int kept = 0;
        for (float v : x) {
            if (v != 0f) {
                assertEquals(1f / 0.75f, v, 1e-6);
                kept++;
            }
        }
        assertEquals(0.75, kept / (double) n, 0.02);
        float[] again = new float[n];
        java.util.Arrays.fill(again, 1f);
        Dropout.apply(again, n, 0.25f, key);
        assertArrayEquals(x, again);
        float[] other = new float[n];
        java.util.Arrays.fill(other, 1f);
        Dropout.apply(other, n, 0.25f, Dropout.key(1, 1, 2));
        assertTrue(!java.util.Arrays.equals(x, other), "another pass must draw another mask");
    }
}
