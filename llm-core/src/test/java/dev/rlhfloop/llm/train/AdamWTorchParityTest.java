package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AdamW against {@code torch.optim.AdamW} (src/test/python/make_adamw_fixture.py, run once with
 * Debian's torch; the fixture is committed so CI needs no torch): the same starting weights and
 * per-step gradients give the same weights after every step, with decay on matrices only and
 * with decay on every parameter (the book's setting).
 */
class AdamWTorchParityTest {

    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest
    @ValueSource(strings = {"matrices", "all"})
    void everyStepMatchesPyTorch(String decayOn) throws Exception {
        Path file = Path.of(getClass().getResource("/parity/adamw.safetensors").toURI());
        Map<String, TensorData> fixture = SafeTensors.read(file);
        Map<String, String> meta = SafeTensors.readMetadata(file);
        AdamWSettings settings = new AdamWSettings(Float.parseFloat(meta.get("beta1")), Float.parseFloat(meta.get("beta2")),
                Float.parseFloat(meta.get("eps")), Float.parseFloat(meta.get("weight_decay")), decayOn.equals("all"));
        float learningRate = Float.parseFloat(meta.get("lr"));
        int steps = Integer.parseInt(meta.get("steps"));

        Parameter weight = load("h.0.mlp.c_fc.weight", fixture.get("weight"));
        Parameter bias = load("h.0.mlp.c_fc.bias", fixture.get("bias"));
        AdamW adamW = new AdamW(List.of(weight, bias), settings);
        for (int t = 0; t < steps; t++) {
            System.arraycopy(fixture.get("grad.w." + t).data(), 0, weight.grad(), 0, weight.size());
            System.arraycopy(fixture.get("grad.b." + t).data(), 0, bias.grad(), 0, bias.size());
            adamW.update(learningRate);
            assertClose(fixture.get(decayOn + ".w." + t).data(), weight.data(), "weight after step " + (t + 1));
            assertClose(fixture.get(decayOn + ".b." + t).data(), bias.data(), "bias after step " + (t + 1));
        }
    }

    private static Parameter load(String name, TensorData values) {
        Parameter p = new Parameter(name, values.shape());
        System.arraycopy(values.data(), 0, p.data(), 0, p.size());
        return p;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst < TOLERANCE, what + " differs from PyTorch by " + worst);
    }
}
