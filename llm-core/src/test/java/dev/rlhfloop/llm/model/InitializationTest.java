package dev.rlhfloop.llm.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The two initialisation schemes draw what they promise, parameter by parameter. */
class InitializationTest {

    private static final GptConfig CONFIG = new GptConfig(500, 32, 64, 4, 2, 0f, true, false, 1e-5f);

    @Test
    void pytorchDefaultsGiveUnitEmbeddingsAndFanInUniformLinears() {
        GptWeights w = Gpt.create(CONFIG, 1, Initialization.PYTORCH).weights();
        assertStd(1.0, w.tokenEmbedding.data(), "wte");
        assertStd(1.0, w.positionEmbedding.data(), "wpe");
        BlockWeights block = w.blocks.get(1);
        assertUniform(1 / Math.sqrt(64), block.qkvWeight.data(), "c_attn.weight");
        assertWithin(1 / Math.sqrt(64), block.qkvBias.data(), "c_attn.bias");
        assertUniform(1 / Math.sqrt(64), block.attnProjWeight.data(), "attn.c_proj.weight");
        assertUniform(1 / Math.sqrt(64), block.fcWeight.data(), "c_fc.weight");
        assertWithin(1 / Math.sqrt(64), block.fcBias.data(), "c_fc.bias");
        assertUniform(1 / Math.sqrt(256), block.fcProjWeight.data(), "mlp.c_proj.weight");
        assertWithin(1 / Math.sqrt(256), block.fcProjBias.data(), "mlp.c_proj.bias");
        assertUniform(1 / Math.sqrt(64), w.head.data(), "lm_head.weight");
        assertNorm(block.ln1Weight, block.ln1Bias);
        assertNorm(w.finalNormWeight, w.finalNormBias);
    }

    @Test
    void gpt2SchemeIsTheDefaultAndScalesTheResidualProjections() {
        GptWeights w = Gpt.create(CONFIG, 1, Initialization.GPT2).weights();
        assertArrayEquals(Gpt.create(CONFIG, 1).weights().tokenEmbedding.data(), w.tokenEmbedding.data());
        assertStd(0.02, w.tokenEmbedding.data(), "wte");
        assertStd(0.02, w.head.data(), "lm_head.weight");
        BlockWeights block = w.blocks.get(0);
        assertStd(0.02, block.fcWeight.data(), "c_fc.weight");
        assertStd(0.02 / Math.sqrt(4), block.fcProjWeight.data(), "mlp.c_proj.weight");
        assertStd(0.02 / Math.sqrt(4), block.attnProjWeight.data(), "attn.c_proj.weight");
        assertArrayEquals(new float[64 * 4], block.fcBias.data());
        assertNorm(block.ln2Weight, block.ln2Bias);
    }

    private static void assertStd(double expected, float[] values, String name) {
        double sum = 0, squares = 0;
        for (float v : values) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / values.length;
        double std = Math.sqrt(squares / values.length - mean * mean);
        assertEquals(expected, std, 0.05 * expected, name + " std");
        assertEquals(0, mean, 0.1 * expected, name + " mean");
    }

    /** Inside ±bound, filling it (the extremes come close to the bound), with a uniform's std bound/√3. */
    private static void assertUniform(double bound, float[] values, String name) {
        double extreme = 0;
        for (float v : values) {
            assertTrue(Math.abs(v) <= bound, name + ": " + v + " outside ±" + bound);
            extreme = Math.max(extreme, Math.abs(v));
        }
        assertTrue(extreme > 0.95 * bound, name + " does not reach its bound: " + extreme);
        assertStd(bound / Math.sqrt(3), values, name);
    }

    /** Biases are too few for statistics: inside ±bound, and not all near zero (not GPT-2's zeros). */
    private static void assertWithin(double bound, float[] values, String name) {
        double extreme = 0;
        for (float v : values) {
            assertTrue(Math.abs(v) <= bound, name + ": " + v + " outside ±" + bound);
            extreme = Math.max(extreme, Math.abs(v));
        }
        assertTrue(extreme > 0.5 * bound, name + " is too close to zero: " + extreme);
    }

    private static void assertNorm(Parameter gain, Parameter shift) {
        for (int i = 0; i < gain.size(); i++) {
            assertEquals(1f, gain.data()[i], gain.name());
            assertEquals(0f, shift.data()[i], shift.name());
        }
    }
}
