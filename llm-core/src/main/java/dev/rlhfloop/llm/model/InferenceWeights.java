package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.tensor.PackedMatrix;
import dev.rlhfloop.llm.tensor.WeightFormat;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The packed copy of a model's matrices that {@link Gpt#forwardCached} reads when the model has
 * been {@link Gpt#packForInference packed}: every block's four projections and the output head,
 * each a {@link PackedMatrix} in one {@link WeightFormat}. Embeddings, LayerNorms and biases stay
 * the model's fp32 arrays (they are a few rows per token, not the whole matrix).
 */
final class InferenceWeights {

    private final WeightFormat format;
    private final Map<Parameter, PackedMatrix> packed = new IdentityHashMap<>();

    InferenceWeights(GptConfig config, GptWeights weights, WeightFormat format) {
        this.format = format;
        int c = config.embedDim();
        for (BlockWeights block : weights.blocks) {
            pack(block.qkvWeight, false, c, 3 * c);
            pack(block.attnProjWeight, false, c, c);
            pack(block.fcWeight, false, c, 4 * c);
            pack(block.fcProjWeight, false, 4 * c, c);
        }
        pack(weights.head, true, c, config.vocabSize());
    }

    private void pack(Parameter weight, boolean transposed, int inputs, int outputs) {
        packed.put(weight, PackedMatrix.pack(weight.data(), 0, transposed, inputs, outputs, format));
    }

    WeightFormat format() {
        return format;
    }

    /** The packed copy of {@code weight}, which must be one of the packed matrices. */
    PackedMatrix of(Parameter weight) {
        PackedMatrix matrix = packed.get(weight);
        if (matrix == null) {
            throw new IllegalStateException(weight.name() + " has no packed copy");
        }
        return matrix;
    }

    /** Bytes of packed weights one decode step reads. */
    long bytes() {
        long sum = 0;
        for (PackedMatrix matrix : packed.values()) {
            sum += matrix.bytes();
        }
        return sum;
    }
}
