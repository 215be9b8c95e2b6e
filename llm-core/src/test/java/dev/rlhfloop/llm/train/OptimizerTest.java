package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OptimizerTest {

    @TempDir
    Path dir;

    /** PyTorch's AdamW, in double, for one scalar weight. */
    private static double[] reference(double w, double[] grads, double lr, double beta1, double beta2, double eps, double decay) {
        double m = 0, v = 0;
        double[] out = new double[grads.length];
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            w *= 1 - lr * decay;
            m = beta1 * m + (1 - beta1) * g;
            v = beta2 * v + (1 - beta2) * g * g;
            double mHat = m / (1 - Math.pow(beta1, t));
            double vHat = v / (1 - Math.pow(beta2, t));
            w -= lr * mHat / (Math.sqrt(vHat) + eps);
            out[t - 1] = w;
        }
        return out;
    }

    @Test
    void adamWMatchesTheReferenceAndDecaysOnlyMatrices() {
        Parameter matrix = new Parameter("h.0.mlp.c_fc.weight", 1, 2);
        Parameter bias = new Parameter("h.0.mlp.c_fc.bias", 2);
        matrix.data()[0] = 0.5f;
        matrix.data()[1] = -1.5f;
        bias.data()[0] = 0.5f;
        bias.data()[1] = -1.5f;
        AdamWSettings settings = new AdamWSettings(0.9f, 0.95f, 1e-8f, 0.1f);
        AdamW adamW = new AdamW(List.of(matrix, bias), settings);
        double[] grads = {0.3, -0.2, 0.05};
        for (int t = 0; t < grads.length; t++) {
            matrix.grad()[0] = (float) grads[t];
            bias.grad()[0] = (float) grads[t];
            matrix.grad()[1] = 0f;
            bias.grad()[1] = 0f;
            adamW.update(0.01f);
            double[] decayed = reference(0.5, java.util.Arrays.copyOf(grads, t + 1), 0.01, 0.9, 0.95, 1e-8, 0.1);
            double[] plain = reference(0.5, java.util.Arrays.copyOf(grads, t + 1), 0.01, 0.9, 0.95, 1e-8, 0.0);
            assertEquals(decayed[t], matrix.data()[0], 1e-6);
            assertEquals(plain[t], bias.data()[0], 1e-6);
        }
        assertEquals(-1.5 * Math.pow(1 - 0.01 * 0.1, 3), matrix.data()[1], 1e-6, "zero gradient: decay only");
        assertEquals(-1.5f, bias.data()[1], "no decay on biases");
        assertEquals(3, adamW.step());
    }

    @Test
    void vectorisedUpdateMatchesTheReferenceOnEveryElement() {
        int n = 1003; // several vectors and a tail
        Parameter p = new Parameter("h.0.attn.c_proj.weight", 17, 59);
        java.util.Random random = new java.util.Random(1);
        double[][] grads = new double[n][4];
        for (int i = 0; i < n; i++) {
            p.data()[i] = (float) random.nextGaussian();
            for (int t = 0; t < 4; t++) {
                grads[i][t] = random.nextGaussian();
            }
        }
        float[] start = p.data().clone();
        AdamW adamW = new AdamW(List.of(p), AdamWSettings.torch(0.1f));
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < n; i++) {
                p.grad()[i] = (float) grads[i][t];
            }
            adamW.update(1e-3f);
        }
        for (int i = 0; i < n; i++) {
            double expected = reference(start[i], grads[i], 1e-3, 0.9, 0.999, 1e-8, 0.1)[3];
            assertEquals(expected, p.data()[i], 1e-6, "element " + i);
        }
    }

    @Test
    void optimizerStateRoundTrips() throws Exception {
        Parameter p = new Parameter("wte.weight", 2, 2);
        AdamW a = new AdamW(List.of(p), AdamWSettings.defaults());
        p.grad()[1] = 1f;
        a.update(0.1f);
        a.save(dir.resolve("opt.safetensors"));
        float[] afterOne = p.data().clone();

        Parameter q = new Parameter("wte.weight", 2, 2);
        System.arraycopy(afterOne, 0, q.data(), 0, 4);
        AdamW b = new AdamW(List.of(q), AdamWSettings.defaults());
        b.load(dir.resolve("opt.safetensors"));
        assertEquals(1, b.step());
        p.grad()[2] = 0.5f;
        q.grad()[1] = 1f;
        q.grad()[2] = 0.5f;
        a.update(0.1f);
        b.update(0.1f);
        assertArrayEquals(p.data(), q.data());
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysByCosine() {
        LearningRateSchedule s = new LearningRateSchedule(1f, 0.1f, 10, 110);
        assertEquals(0.1f, s.at(0), 1e-6);
        assertEquals(1f, s.at(9), 1e-6);
        assertEquals(1f, s.at(10), 1e-6);
        assertEquals(0.55f, s.at(60), 1e-6);
        assertEquals(0.1f, s.at(110), 1e-6);
        assertEquals(0.1f, s.at(1000), 1e-6);
        assertEquals(0.3f, LearningRateSchedule.constant(0.3f).at(5), 0f);
    }

    @Test
    void clippingScalesToTheGlobalNorm() {
        Parameter a = new Parameter("a", 2);
        Parameter b = new Parameter("b", 1);
        a.grad()[0] = 3f;
        b.grad()[0] = 4f;
        assertEquals(5.0, GradientClipping.clip(List.of(a, b), 1.0), 1e-9);
        assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-5);
        assertEquals(0.6f, a.grad()[0], 1e-5);
        assertEquals(1.0, GradientClipping.clip(List.of(a, b), 2.0), 1e-5);
        assertEquals(0.6f, a.grad()[0], 1e-5, "below the ceiling nothing changes");

        Parameter big = new Parameter("big", 200_001);
        java.util.Arrays.fill(big.grad(), 0.5f);
        assertEquals(Math.sqrt(200_001 * 0.25), GradientClipping.globalNorm(List.of(big)), 1e-6);

        // random values over two parameters, chunks with tails of 1-3: the plain double sum, to the
        // float partial sums' precision (each 64K chunk is summed in float vectors)
        java.util.Random random = new java.util.Random(4);
        Parameter first = new Parameter("first", 131_075);
        Parameter second = new Parameter("second", 7);
        double plain = 0;
        for (Parameter p : List.of(first, second)) {
            for (int i = 0; i < p.size(); i++) {
                p.grad()[i] = (float) random.nextGaussian();
                plain += (double) p.grad()[i] * p.grad()[i];
            }
        }
        assertEquals(Math.sqrt(plain), GradientClipping.globalNorm(List.of(first, second)), 1e-6 * Math.sqrt(plain));
    }
}
