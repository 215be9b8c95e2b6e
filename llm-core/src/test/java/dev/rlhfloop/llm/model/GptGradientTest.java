package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.Forks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole model's backward against finite differences of its loss, in every configuration switch. */
class GptGradientTest {

    private static GptConfig tiny(String variant) {
        GptConfig base = new GptConfig(11, 6, 8, 2, 2, 0f, true, true, 1e-5f);
        return switch (variant) {
            case "dropout" -> base.withDropout(0.2f);
            case "untied-no-qkv-bias" -> base.withTiedHead(false).withQkvBias(false);
            default -> base;
        };
    }

    private static Batch batch(Random random, GptConfig config, int batchSize, int length) {
        int[] inputs = new int[batchSize * length];
        int[] targets = new int[batchSize * length];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextInt(config.vocabSize());
            targets[i] = i % 4 == 1 ? Batch.IGNORE : random.nextInt(config.vocabSize());
        }
        return new Batch(batchSize, length, inputs, targets);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "dropout", "untied-no-qkv-bias"})
    void lossGradientMatchesFiniteDifferences(String variant) {
        GptConfig config = tiny(variant);
        Gpt gpt = scaledUp(config, 3);
        Random random = new Random(5);
        checkLossGradient(variant, gpt, batch(random, config, 2, 5));
    }

    /** Every parameter's gradient of the mean loss on {@code batch} against finite differences. */
    private static void checkLossGradient(String label, Gpt gpt, Batch batch) {
        gpt.setTraining(true);
        // Every loss evaluation must see the same dropout masks: rewind the pass counter.
        java.util.function.DoubleSupplier loss = () -> {
            gpt.setDropoutState(9, 0);
            return gpt.loss(batch);
        };
        loss.getAsDouble();
        gpt.zeroGrad();
        gpt.backward();
        for (Parameter p : gpt.parameters()) {
            float[] analytic = p.grad().clone();
            GradCheck.check(label + " " + p.name(), p.data(), analytic, loss, 40);
        }
    }

    /** Two sequences per row sharing their first tokens (a pair's prompt): the backward through the forked attention and positions. */
    @ParameterizedTest
    @ValueSource(strings = {"plain", "dropout"})
    void forkedRowsGradientMatchesFiniteDifferences(String variant) {
        GptConfig config = tiny(variant);
        Gpt gpt = scaledUp(config, 4);
        Random random = new Random(6);
        Batch plain = batch(random, config, 2, 8);
        // row 0: [0, 5) first, shares 2 tokens with [5, 8); row 1: [0, 3) first, [3, 7) shares nothing, then padding
        Forks forks = new Forks(new int[] {2, 0}, new int[] {5, 3}, new int[] {8, 7});
        checkLossGradient(variant + " forked", gpt, new Batch(2, 8, plain.inputs(), plain.targets(), forks));
    }

    /**
     * A model of {@code config} from {@code seed} with larger weights: GPT-2's init makes most
     * gradients tiny, and larger weights make the check meaningful for every tensor.
     */
    private static Gpt scaledUp(GptConfig config, long seed) {
        Gpt gpt = Gpt.create(config, seed);
        Random random = new Random(11);
        for (Parameter p : gpt.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) (random.nextGaussian() * 0.3);
            }
        }
        return gpt;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "untied-no-qkv-bias"})
    void logProbAndHiddenBackwardsAgreeWithTheLossBackward(String variant) {
        GptConfig config = tiny(variant);
        Gpt gpt = scaledUp(config, 4);
        Batch batch = batch(new Random(6), config, 2, 4);
        float loss = gpt.loss(batch);
        gpt.zeroGrad();
        gpt.backward(2f);
        float[] expected = gpt.parameters().get(2).grad().clone();
        java.util.List<float[]> expectedAll = gpt.parameters().stream().map(p -> p.grad().clone()).toList();

        float[] logProbs = gpt.tokenLogProbs(batch).clone();
        int counted = 0;
        double sum = 0;
        for (int i = 0; i < batch.tokens(); i++) {
            if (batch.targets()[i] != Batch.IGNORE) {
                counted++;
                sum -= logProbs[i];
            }
        }
        assertEquals(loss, sum / counted, 1e-5);
        float[] dlogp = new float[batch.tokens()];
        java.util.Arrays.fill(dlogp, -2f / counted);
        gpt.zeroGrad();
        gpt.backwardLogProbs(dlogp);
        assertArrayClose(expected, gpt.parameters().get(2).grad(), 1e-6f);

        // logits path: dlogits of 2·mean CE = 2/counted · (p − onehot)
        float[] logits = gpt.forward(batch.inputs(), 2, 4);
        float[] dlogits = logits.clone();
        int v = config.vocabSize();
        for (int row = 0; row < batch.tokens(); row++) {
            int target = batch.targets()[row];
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, logits[row * v + j]);
            double z = 0;
            for (int j = 0; j < v; j++) z += Math.exp(logits[row * v + j] - max);
            for (int j = 0; j < v; j++) {
                double p = Math.exp(logits[row * v + j] - max) / z;
                dlogits[row * v + j] = target == Batch.IGNORE ? 0f : (float) (2.0 / counted * (p - (j == target ? 1 : 0)));
            }
        }
        gpt.zeroGrad();
        gpt.backwardLogits(dlogits);
        // the full head (every row's logits) against tokenLogProbs's, which runs only on the counted rows
        for (int i = 0; i < expectedAll.size(); i++) assertArrayClose(expectedAll.get(i), gpt.parameters().get(i).grad(), 1e-5f);
    }

    /** A batch with no target counted: no log-probability, no gradient (the head runs on no row). */
    @org.junit.jupiter.api.Test
    void aBatchWithoutTargetsHasNoGradient() {
        GptConfig config = tiny("plain");
        Gpt gpt = Gpt.create(config, 4);
        Batch batch = batch(new Random(6), config, 2, 4);
        java.util.Arrays.fill(batch.targets(), Batch.IGNORE);
        assertEquals(0f, gpt.loss(batch));
        for (float logProb : gpt.tokenLogProbs(batch)) assertEquals(0f, logProb);
        gpt.zeroGrad();
        gpt.backward();
        for (Parameter p : gpt.parameters()) {
            for (float g : p.grad()) assertEquals(0f, g, p.name());
        }
    }

    @org.junit.jupiter.api.Test
    void backwardWithoutForwardIsAClearError() {
        Gpt gpt = Gpt.create(tiny("plain"), 1);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, gpt::backward);
        assertTrue(e.getMessage().contains("loss"));
    }

    static void assertArrayClose(float[] expected, float[] actual, float tolerance) {
        assertEquals(expected.length, actual.length);
        float scale = 0;
        for (float e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * Math.max(1f, scale), "index " + i);
        }
    }
}
