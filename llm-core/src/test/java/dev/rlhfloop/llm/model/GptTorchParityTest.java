package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model against an independent PyTorch GPT-2 (src/test/python/make_parity_fixture.py, run
 * once with Debian's torch; the fixture is committed so CI needs no torch): the same random
 * weights, loaded from the Hugging Face layout, give the same logits, loss and gradients.
 */
class GptTorchParityTest {

    private static final double TOLERANCE = 1e-4;

    @Test
    void logitsLossAndGradientsMatchPyTorch() throws Exception {
        Path dir = Path.of(getClass().getResource("/parity").toURI());
        Gpt gpt = GptCheckpoint.load(dir.resolve("model"));
        Map<String, TensorData> expected = SafeTensors.read(dir.resolve("expected.safetensors"));
        Map<String, String> meta = SafeTensors.readMetadata(dir.resolve("expected.safetensors"));
        int batchSize = Integer.parseInt(meta.get("batch"));
        int length = Integer.parseInt(meta.get("length"));
        int[] inputs = ints(expected.get("input_ids").data());
        int[] targets = ints(expected.get("targets").data());

        float[] logits = gpt.forward(inputs, batchSize, length);
        float[] expectedLogits = expected.get("logits").data();
        assertEquals(expectedLogits.length, logits.length);
        double worst = 0;
        for (int i = 0; i < logits.length; i++) {
            worst = Math.max(worst, Math.abs(logits[i] - expectedLogits[i]));
        }
        assertTrue(worst < TOLERANCE, "logits differ from PyTorch by " + worst);

        Batch batch = new Batch(batchSize, length, inputs, targets);
        float loss = gpt.loss(batch);
        assertEquals(expected.get("loss").data()[0], loss, TOLERANCE);

        gpt.zeroGrad();
        gpt.backward();
        for (Parameter p : gpt.parameters()) {
            float[] want = expected.get("grad." + p.name()).data();
            float[] got = p.grad();
            double err = 0;
            for (int i = 0; i < want.length; i++) {
                err = Math.max(err, Math.abs(want[i] - got[i]));
            }
            assertTrue(err < TOLERANCE, p.name() + " gradient differs from PyTorch by " + err);
        }
    }

    private static int[] ints(float[] values) {
        int[] ids = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ids[i] = Math.round(values[i]);
        }
        return ids;
    }
}
