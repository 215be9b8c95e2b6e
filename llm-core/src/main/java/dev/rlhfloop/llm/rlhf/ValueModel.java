package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.Parameter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * PPO's critic: a GPT backbone with a scalar head read at every position, V(s_t) = w·h_t + b,
 * where h_t is the final hidden state (after the last LayerNorm) at position t. Unlike the
 * {@link RewardModel}'s head it has a bias, since a value's level matters, not only differences.
 * On a batch from {@link dev.rlhfloop.llm.sample.SequenceLogProbs#pack}, the value at a position
 * whose target is an answer token is the value of the state just before that token is sampled,
 * aligned with the per-token log-probabilities.
 *
 * <p>On disk a critic is the backbone's checkpoint directory plus {@value #HEAD_FILE} holding
 * {@code value.weight [1, C]} and {@code value.bias [1]}, so a model line can carry it from
 * version to version as it carries its reward model.
 */
public final class ValueModel {

    public static final String HEAD_FILE = "value.safetensors";
    private static final String WEIGHT = "value.weight";
    private static final String BIAS = "value.bias";

    private final Gpt backbone;
    private final Parameter head;
    private final Parameter bias;
    private final List<Parameter> parameters;
    private float[] hidden;
    private int rows;

    private ValueModel(Gpt backbone, Parameter head, Parameter bias) {
        this.backbone = backbone;
        this.head = head;
        this.bias = bias;
        List<Parameter> all = new ArrayList<>(backbone.parameters());
        all.add(head);
        all.add(bias);
        this.parameters = Collections.unmodifiableList(all);
    }

    /**
     * A critic initialised from a reward model, as TRL's PPO does: a copy of its backbone, its head
     * and a zero bias, so the first values already rank answers as the rewards do.
     */
    public static ValueModel fromRewardModel(RewardModel rewardModel) {
        int c = rewardModel.backbone().config().embedDim();
        Parameter head = new Parameter(WEIGHT, 1, c);
        System.arraycopy(rewardModel.head().data(), 0, head.data(), 0, c);
        return new ValueModel(rewardModel.backbone().copy(), head, new Parameter(BIAS, 1));
    }

    /** A critic on a copy of {@code backbone} (e.g. the policy) with a zero head: every value starts at 0. */
    public static ValueModel fromBackbone(Gpt backbone) {
        return new ValueModel(backbone.copy(), new Parameter(WEIGHT, 1, backbone.config().embedDim()),
                new Parameter(BIAS, 1));
    }

    public Gpt backbone() {
        return backbone;
    }

    /** The backbone's parameters, the head and the bias: what an optimizer updates. */
    public List<Parameter> parameters() {
        return parameters;
    }

    public void zeroGrad() {
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
    }

    /** V at every position of the batch, {@code [B·T]} (padding positions included; callers mask them). */
    public double[] values(Batch batch) {
        int c = backbone.config().embedDim();
        hidden = backbone.forwardHidden(batch.inputs(), batch.batchSize(), batch.length(), batch.forks());
        rows = batch.tokens();
        float[] w = head.data();
        double[] values = new double[rows];
        for (int row = 0; row < rows; row++) {
            double v = bias.data()[0];
            for (int j = 0; j < c; j++) {
                v += (double) w[j] * hidden[row * c + j];
            }
            values[row] = v;
        }
        return values;
    }

    /** Backward from d objective / d V per position of the last {@link #values} call, adding into the gradients. */
    public void backward(double[] dValues) {
        if (hidden == null) {
            throw new IllegalStateException("backward needs a preceding values() call (and runs once per forward)");
        }
        if (dValues.length != rows) {
            throw new IllegalArgumentException("need one gradient per position: " + rows + ", got " + dValues.length);
        }
        int c = backbone.config().embedDim();
        float[] dhidden = new float[rows * c];
        float[] w = head.data();
        float[] dw = head.grad();
        double db = 0;
        for (int row = 0; row < rows; row++) {
            float g = (float) dValues[row];
            if (g == 0f) {
                continue;
            }
            db += g;
            for (int j = 0; j < c; j++) {
                dhidden[row * c + j] = g * w[j];
                dw[j] += g * hidden[row * c + j];
            }
        }
        bias.grad()[0] += (float) db;
        hidden = null;
        backbone.backwardHidden(dhidden);
    }

    /** Writes the backbone as a GPT-2 checkpoint directory and the head and bias beside it. */
    public void save(Path directory) throws IOException {
        GptCheckpoint.save(backbone, directory, Map.of("kind", "value-model-backbone"));
        SafeTensors.write(directory.resolve(HEAD_FILE), Map.of(WEIGHT, new TensorData(head.shape(), head.data()),
                BIAS, new TensorData(bias.shape(), bias.data())), Map.of("format", "pt"));
    }

    public static ValueModel load(Path directory) throws IOException {
        Path headFile = directory.resolve(HEAD_FILE);
        if (!Files.isRegularFile(headFile)) {
            throw new IOException(directory + " is not a value model directory: it has no " + HEAD_FILE);
        }
        Gpt backbone = GptCheckpoint.load(directory);
        Map<String, TensorData> tensors = SafeTensors.read(headFile);
        int c = backbone.config().embedDim();
        TensorData weight = tensors.get(WEIGHT);
        TensorData bias = tensors.get(BIAS);
        if (weight == null || weight.data().length != c || bias == null || bias.data().length != 1) {
            throw new IOException(headFile + ": needs " + WEIGHT + " of shape [1, " + c + "] and " + BIAS + " of shape [1]");
        }
        ValueModel model = new ValueModel(backbone, new Parameter(WEIGHT, 1, c), new Parameter(BIAS, 1));
        System.arraycopy(weight.data(), 0, model.head.data(), 0, c);
        model.bias.data()[0] = bias.data()[0];
        return model;
    }
}
