package dev.rlhfloop.llm.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.model.PeftAdapter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A GPT with a class head instead of the language-model head (the book's chapter 6): the logits of
 * a sequence are {@code score · h}, h being the final hidden state (after the last LayerNorm) at
 * the sequence's last real token — the only position that has seen the whole text under causal
 * attention. As in Hugging Face's {@code GPT2ForSequenceClassification}, the head {@code score.weight
 * [K, C]} has no bias.
 *
 * <p>On disk: the backbone's checkpoint directory, plus {@value #HEAD_FILE} (the head) and
 * {@value #LABELS_FILE} (the class names, in head-row order).
 */
public final class Classifier {

    public static final String HEAD_FILE = "score.safetensors";
    public static final String HEAD_TENSOR = "score.weight";
    public static final String LABELS_FILE = "labels.json";

    /** The mean cross-entropy of a batch's labelled rows and how many of them the argmax got right. */
    public record BatchResult(float loss, int correct, int count) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Gpt backbone;
    private final Parameter head;
    private final List<String> labels;

    private ClassBatch lastBatch;
    private float[] hidden;
    private float[] lastLogits;

    private Classifier(Gpt backbone, Parameter head, List<String> labels) {
        int c = backbone.config().embedDim();
        if (labels.size() < 2 || head.size() != labels.size() * c) {
            throw new IllegalArgumentException("a classifier needs at least two labels and a head of [labels, " + c + "]");
        }
        this.backbone = backbone;
        this.head = head;
        this.labels = List.copyOf(labels);
    }

    /** A classifier over {@code backbone} itself (not a copy), with a head drawn N(0, 1/C) from {@code seed}. */
    public static Classifier create(Gpt backbone, List<String> labels, long seed) {
        int c = backbone.config().embedDim();
        Parameter head = new Parameter(HEAD_TENSOR, labels.size(), c);
        Random random = new Random(seed);
        float std = (float) (1.0 / Math.sqrt(c));
        float[] w = head.data();
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * std);
        }
        return new Classifier(backbone, head, labels);
    }

    public Gpt backbone() {
        return backbone;
    }

    public Parameter head() {
        return head;
    }

    public List<String> labels() {
        return labels;
    }

    /** Zeroes the gradients of the backbone and the head. */
    public void zeroGrad() {
        backbone.zeroGrad();
        head.zeroGrad();
    }

    /** The logits of the most recent forward pass ({@code [B, K]}). */
    float[] lastLogits() {
        return lastLogits;
    }

    /** Logits {@code [B, K]} of each row's last real token. */
    public float[] logits(ClassBatch batch) {
        int c = backbone.config().embedDim();
        int k = labels.size();
        hidden = backbone.forwardHidden(batch.inputs(), batch.batchSize(), batch.length());
        float[] w = head.data();
        float[] logits = new float[batch.batchSize() * k];
        for (int row = 0; row < batch.batchSize(); row++) {
            int at = (row * batch.length() + batch.lastPositions()[row]) * c;
            for (int label = 0; label < k; label++) {
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += (double) w[label * c + j] * hidden[at + j];
                }
                logits[row * k + label] = (float) sum;
            }
        }
        lastBatch = batch;
        lastLogits = logits;
        return logits;
    }

    /** Loss and correct count of a batch in evaluation mode, without gradients. */
    public BatchResult evaluate(ClassBatch batch) {
        boolean training = backbone.isTraining();
        backbone.setTraining(false);
        try {
            return result(batch, logits(batch));
        } finally {
            backbone.setTraining(training);
            lastBatch = null;
        }
    }

    /**
     * Forward and backward of the batch's mean cross-entropy, adding into the head's gradient and
     * the backbone's gradients of blocks {@code lowestLayer} and up (see {@link Gpt#backwardHidden(float[], int)}).
     */
    public BatchResult forwardBackward(ClassBatch batch, int lowestLayer) {
        float[] logits = logits(batch);
        BatchResult result = result(batch, logits);
        lastBatch = null;
        int c = backbone.config().embedDim();
        int k = labels.size();
        float[] dhidden = new float[batch.batchSize() * batch.length() * c];
        float[] w = head.data();
        float[] dw = head.grad();
        float[] probabilities = new float[k];
        for (int row = 0; row < batch.batchSize(); row++) {
            int label = batch.labels()[row];
            if (label == ClassBatch.NO_LABEL) {
                continue;
            }
            softmax(logits, row * k, k, probabilities);
            int at = (row * batch.length() + batch.lastPositions()[row]) * c;
            for (int j = 0; j < k; j++) {
                float g = (probabilities[j] - (j == label ? 1f : 0f)) / result.count();
                for (int i = 0; i < c; i++) {
                    dhidden[at + i] += g * w[j * c + i];
                    dw[j * c + i] += g * hidden[at + i];
                }
            }
        }
        backbone.backwardHidden(dhidden, lowestLayer);
        return result;
    }

    /** Class probabilities of one token sequence (cut to the context), in evaluation mode. */
    public float[] probabilities(int[] tokens) {
        int n = Math.max(1, Math.min(tokens.length, backbone.config().contextLength()));
        int[] ids = tokens.length == 0 ? new int[1] : Arrays.copyOf(tokens, n);
        boolean training = backbone.isTraining();
        backbone.setTraining(false);
        try {
            float[] logits = logits(new ClassBatch(1, n, ids, new int[] {n - 1}, new int[] {ClassBatch.NO_LABEL}));
            float[] probabilities = new float[labels.size()];
            softmax(logits, 0, labels.size(), probabilities);
            return probabilities;
        } finally {
            backbone.setTraining(training);
            lastBatch = null;
        }
    }

    private BatchResult result(ClassBatch batch, float[] logits) {
        int k = labels.size();
        float[] probabilities = new float[k];
        double loss = 0;
        int correct = 0;
        int count = 0;
        for (int row = 0; row < batch.batchSize(); row++) {
            int label = batch.labels()[row];
            if (label == ClassBatch.NO_LABEL) {
                continue;
            }
            softmax(logits, row * k, k, probabilities);
            loss -= Math.log(Math.max(probabilities[label], Float.MIN_NORMAL));
            if (argmax(logits, row * k, k) == label) {
                correct++;
            }
            count++;
        }
        return new BatchResult(count == 0 ? 0f : (float) (loss / count), correct, count);
    }

    static int argmax(float[] values, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    private static void softmax(float[] logits, int offset, int n, float[] out) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            out[i] = (float) Math.exp(logits[offset + i] - max);
            sum += out[i];
        }
        for (int i = 0; i < n; i++) {
            out[i] = (float) (out[i] / sum);
        }
    }

    /**
     * Writes the backbone as a GPT-2 checkpoint directory (with LoRA adapters attached: the frozen
     * base plus the adapter in PEFT's layout, the head in it as {@code base_model.model.score.weight}),
     * the head and the labels beside it.
     */
    public void save(Path directory) throws IOException {
        GptCheckpoint.save(backbone, directory, Map.of("kind", "classifier-backbone"));
        if (backbone.lora() != null) {
            // As PEFT saves a GPT2ForSequenceClassification adapter: the head rides along as a module to save.
            PeftAdapter.save(backbone, directory, "SEQ_CLS", directory.toString(), List.of(head));
        }
        saveHead(directory);
    }

    private void saveHead(Path directory) throws IOException {
        SafeTensors.write(directory.resolve(HEAD_FILE), Map.of(HEAD_TENSOR, new TensorData(head.shape(), head.data())),
                Map.of("format", "pt"));
        JSON.writerWithDefaultPrettyPrinter().writeValue(directory.resolve(LABELS_FILE).toFile(), Map.of("labels", labels));
    }

    /** Reads a directory written by {@link #save}. */
    public static Classifier load(Path directory) throws IOException {
        Path headFile = directory.resolve(HEAD_FILE);
        Path labelsFile = directory.resolve(LABELS_FILE);
        if (!Files.isRegularFile(headFile) || !Files.isRegularFile(labelsFile)) {
            throw new IOException(directory + " is not a classifier directory: it needs " + HEAD_FILE + " and " + LABELS_FILE
                    + " beside the model (train one with classify-train)");
        }
        Gpt backbone = GptCheckpoint.load(directory);
        List<String> labels = Arrays.asList(JSON.convertValue(JSON.readTree(labelsFile.toFile()).path("labels"), String[].class));
        TensorData tensor = SafeTensors.read(headFile).get(HEAD_TENSOR);
        int c = backbone.config().embedDim();
        if (tensor == null || tensor.data().length != labels.size() * c) {
            throw new IOException(headFile + ": needs a tensor " + HEAD_TENSOR + " of shape [" + labels.size() + ", " + c + "]");
        }
        Parameter head = new Parameter(HEAD_TENSOR, labels.size(), c);
        System.arraycopy(tensor.data(), 0, head.data(), 0, head.size());
        return new Classifier(backbone, head, labels);
    }
}
