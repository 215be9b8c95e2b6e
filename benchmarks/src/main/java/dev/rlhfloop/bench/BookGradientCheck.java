package dev.rlhfloop.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Initialization;
import dev.rlhfloop.llm.model.Parameter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The engine at the book's full size against PyTorch: writes BookChapter5's initial model (HF
 * layout), the first train batch, and the loss and every gradient (evaluation mode) into
 * {@code OUT}; {@code benchmarks/src/main/python/book_gradient_check.py OUT} recomputes them in
 * PyTorch and prints the differences. The unit-test fixture checks a tiny model; this checks the
 * kernels at 768 channels, 50,257 vocabulary rows and 256 positions.
 *
 * <pre>./bench BookGradientCheck OUT --data PATH/the-verdict.txt</pre>
 */
public final class BookGradientCheck {

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[1].equals("--data")) {
            throw new IllegalArgumentException("usage: BookGradientCheck OUT --data PATH/the-verdict.txt"
                    + " (the book's text is not part of the project)");
        }
        Path out = Path.of(args[0]);
        Path data = Path.of(args[2]);
        String text = Files.readString(data);
        int[] train = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE)
                .encode(text.substring(0, (int) (0.9 * text.length()))).toArray();
        Batch batch = BookChapter5.windows(train, 256, 2).get(0);
        GptConfig config = GptConfig.gpt2().withContextLength(256).withDropout(0.1f).withQkvBias(false).withTiedHead(false);
        Gpt gpt = Gpt.create(config, 123, Initialization.PYTORCH);
        GptCheckpoint.save(gpt, out.resolve("model"));
        float loss = gpt.loss(batch); // a new model is in evaluation mode: no dropout
        gpt.zeroGrad();
        gpt.backward();

        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("input_ids", new TensorData(new int[] {batch.batchSize(), batch.length()}, floats(batch.inputs())));
        tensors.put("targets", new TensorData(new int[] {batch.batchSize(), batch.length()}, floats(batch.targets())));
        tensors.put("loss", new TensorData(new int[] {1}, new float[] {loss}));
        for (Parameter p : gpt.parameters()) {
            tensors.put("grad." + p.name(), new TensorData(p.shape(), p.grad()));
        }
        SafeTensors.write(out.resolve("java-grads.safetensors"), tensors, Map.of());
        System.out.printf("loss %.6f; wrote %s%n", loss, out.toAbsolutePath());
    }

    private static float[] floats(int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            f[i] = ids[i];
        }
        return f;
    }
}
