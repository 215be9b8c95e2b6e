package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.Forks;
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
import java.util.Random;

/**
 * A GPT backbone with a scalar head: the reward of a sequence is {@code score · h}, where h is the
 * final hidden state (after the last LayerNorm) at the sequence's last real token, as in Hugging
 * Face's {@code GPT2ForSequenceClassification} with one label. The head has no bias: the
 * Bradley–Terry loss only sees reward differences, so a bias would never move.
 *
 * <p>On disk a reward model is the backbone's checkpoint directory plus {@value #HEAD_FILE}
 * holding the head as {@value #HEAD_TENSOR} {@code [1, C]}.
 */
public final class RewardModel {

    public static final String HEAD_FILE = "score.safetensors";
    public static final String HEAD_TENSOR = "score.weight";
    /** What a reward model's archive holds ({@link dev.rlhfloop.llm.io.ModelArchive}): the backbone's config and weights, and the head. */
    public static final List<String> ARCHIVE_FILES = List.of(dev.rlhfloop.llm.io.ModelArchive.CONFIG_FILE,
            dev.rlhfloop.llm.io.ModelArchive.WEIGHTS_FILE, HEAD_FILE);

    private final Gpt backbone;
    private final Parameter head;
    private final List<Parameter> parameters;

    private PairBatch lastBatch;
    private float[] hidden;

    private RewardModel(Gpt backbone, Parameter head) {
        if (head.size() != backbone.config().embedDim()) {
            throw new IllegalArgumentException("reward head has " + head.size() + " weights, the backbone's width is "
                    + backbone.config().embedDim());
        }
        this.backbone = backbone;
        this.head = head;
        List<Parameter> all = new ArrayList<>(backbone.parameters());
        all.add(head);
        this.parameters = Collections.unmodifiableList(all);
    }

    /**
     * A reward model whose backbone is a copy of {@code policy} (usually the SFT model) and whose
     * head is N(0, 1/C)-random from {@code seed}; the policy itself is left untouched.
     */
    public static RewardModel fromPolicy(Gpt policy, long seed) {
        int c = policy.config().embedDim();
        Parameter head = new Parameter(HEAD_TENSOR, 1, c);
        Random random = new Random(seed);
        float std = (float) (1.0 / Math.sqrt(c));
        float[] w = head.data();
        for (int i = 0; i < c; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return new RewardModel(policy.copy(), head);
    }

    public Gpt backbone() {
        return backbone;
    }

    public Parameter head() {
        return head;
    }

    /** The backbone's parameters and the head: what an optimizer updates. */
    public List<Parameter> parameters() {
        return parameters;
    }

    public void zeroGrad() {
        for (Parameter p : parameters) {
            p.zeroGrad();
        }
    }

    /** Rewards of a batch's sequences: chosen in {@code [0, pairs)}, rejected in {@code [pairs, 2·pairs)}. */
    public double[] rewards(PairBatch pairs) {
        Batch batch = pairs.batch();
        double[] rewards = scoreRows(batch.inputs(), batch.batchSize(), batch.length(), batch.forks(), pairs.lastTokens());
        lastBatch = pairs;
        return rewards;
    }

    /**
     * The reward of each prompt + response, in evaluation mode (what RLOO and PPO optimise);
     * responses are cut where the sequence exceeds the context.
     */
    public double[] score(List<int[]> prompts, List<int[]> responses) {
        int rows = prompts.size();
        if (rows == 0 || responses.size() != rows) {
            throw new IllegalArgumentException("need as many prompts as responses, at least one; got " + rows + " and " + responses.size());
        }
        int context = backbone.config().contextLength();
        int length = 1;
        for (int r = 0; r < rows; r++) {
            length = Math.max(length, Math.min(context, prompts.get(r).length + responses.get(r).length));
        }
        int[] inputs = new int[rows * length];
        int[] last = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] prompt = prompts.get(r);
            int[] response = responses.get(r);
            int n = Math.min(length, prompt.length + response.length);
            if (n == 0) {
                throw new IllegalArgumentException("sequence " + r + " is empty");
            }
            for (int t = 0; t < n; t++) {
                inputs[r * length + t] = t < prompt.length ? prompt[t] : response[t - prompt.length];
            }
            last[r] = r * length + n - 1;
        }
        boolean training = backbone.isTraining();
        backbone.setTraining(false);
        try {
            return scoreRows(inputs, rows, length, null, last);
        } finally {
            backbone.setTraining(training);
            lastBatch = null;
        }
    }

    /** The reward of each sequence whose last token is {@code lastTokens[i]} (an index into the batch's tokens). */
    private double[] scoreRows(int[] inputs, int rows, int length, Forks forks, int[] lastTokens) {
        int c = backbone.config().embedDim();
        hidden = backbone.forwardHidden(inputs, rows, length, forks);
        float[] w = head.data();
        double[] rewards = new double[lastTokens.length];
        for (int row = 0; row < lastTokens.length; row++) {
            int at = lastTokens[row] * c;
            double r = 0;
            for (int j = 0; j < c; j++) {
                r += (double) w[j] * hidden[at + j];
            }
            rewards[row] = r;
        }
        return rewards;
    }

    /** Bradley–Terry loss and accuracy of a batch, without gradients. */
    public PairwiseLogistic evaluate(PairBatch pairs) {
        return PairwiseLogistic.of(rewards(pairs), pairs.weights());
    }

    /**
     * Forward and backward of {@code scale ×} the batch's mean Bradley–Terry loss, adding into the
     * gradients (call {@link #zeroGrad()} first unless accumulating). Returns the forward's result.
     */
    public PairwiseLogistic forwardBackward(PairBatch pairs, double scale) {
        PairwiseLogistic result = PairwiseLogistic.of(rewards(pairs), pairs.weights());
        backwardRewards(result.scoreGradient(scale));
        return result;
    }

    /** Backward from d objective / d reward per row of the last {@link #rewards} call. */
    public void backwardRewards(double[] dRewards) {
        if (lastBatch == null) {
            throw new IllegalStateException("backwardRewards needs a preceding rewards() call (and runs once per forward)");
        }
        PairBatch pairs = lastBatch;
        lastBatch = null;
        if (dRewards.length != 2 * pairs.pairs()) {
            throw new IllegalArgumentException("need one gradient per row: " + 2 * pairs.pairs() + ", got " + dRewards.length);
        }
        int c = backbone.config().embedDim();
        float[] dhidden = new float[pairs.batch().tokens() * c];
        float[] w = head.data();
        float[] dw = head.grad();
        for (int row = 0; row < dRewards.length; row++) {
            int at = pairs.lastTokens()[row] * c;
            float g = (float) dRewards[row];
            for (int j = 0; j < c; j++) {
                dhidden[at + j] = g * w[j];
                dw[j] += g * hidden[at + j];
            }
        }
        backbone.backwardHidden(dhidden);
    }

    /** Writes the backbone as a GPT-2 checkpoint directory and the head beside it. */
    public void save(Path directory) throws IOException {
        GptCheckpoint.save(backbone, directory, Map.of("kind", "reward-model-backbone"));
        SafeTensors.write(directory.resolve(HEAD_FILE),
                Map.of(HEAD_TENSOR, new TensorData(head.shape(), head.data())), Map.of("format", "pt"));
    }

    public static RewardModel load(Path directory) throws IOException {
        Path headFile = directory.resolve(HEAD_FILE);
        if (!Files.isRegularFile(headFile)) {
            throw new IOException(directory + " is not a reward model directory: it has no " + HEAD_FILE);
        }
        Gpt backbone = GptCheckpoint.load(directory);
        TensorData tensor = SafeTensors.read(headFile).get(HEAD_TENSOR);
        int c = backbone.config().embedDim();
        if (tensor == null || tensor.data().length != c) {
            throw new IOException(headFile + ": needs a tensor " + HEAD_TENSOR + " of shape [1, " + c + "]");
        }
        Parameter head = new Parameter(HEAD_TENSOR, 1, c);
        System.arraycopy(tensor.data(), 0, head.data(), 0, c);
        return new RewardModel(backbone, head);
    }
}
