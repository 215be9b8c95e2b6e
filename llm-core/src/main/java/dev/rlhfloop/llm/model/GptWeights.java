package dev.rlhfloop.llm.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** All parameters of a GPT, in Hugging Face GPT-2 naming and order. */
public final class GptWeights {

    public final Parameter tokenEmbedding;
    public final Parameter positionEmbedding;
    public final List<BlockWeights> blocks;
    public final Parameter finalNormWeight;
    public final Parameter finalNormBias;
    /** The output projection {@code [V, C]}: the token embedding itself when the head is tied. */
    public final Parameter head;

    private final List<Parameter> all;

    GptWeights(GptConfig config) {
        int c = config.embedDim();
        tokenEmbedding = new Parameter("wte.weight", config.vocabSize(), c);
        positionEmbedding = new Parameter("wpe.weight", config.contextLength(), c);
        List<BlockWeights> list = new ArrayList<>();
        for (int layer = 0; layer < config.layers(); layer++) {
            list.add(new BlockWeights(config, layer));
        }
        blocks = Collections.unmodifiableList(list);
        finalNormWeight = new Parameter("ln_f.weight", c);
        finalNormBias = new Parameter("ln_f.bias", c);
        head = config.tiedHead() ? tokenEmbedding : new Parameter("lm_head.weight", config.vocabSize(), c);

        List<Parameter> params = new ArrayList<>(List.of(tokenEmbedding, positionEmbedding));
        for (BlockWeights block : blocks) {
            params.addAll(block.parameters());
        }
        params.add(finalNormWeight);
        params.add(finalNormBias);
        if (!config.tiedHead()) {
            params.add(head);
        }
        all = Collections.unmodifiableList(params);
    }

    /** Every distinct parameter once (a tied head is not listed twice), in a fixed order. */
    public List<Parameter> parameters() {
        return all;
    }

    public Map<String, Parameter> byName() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        for (Parameter p : all) {
            map.put(p.name(), p);
        }
        return map;
    }

    /**
     * GPT-2's initialisation: weights and embeddings ~ N(0, 0.02), the two projections that write
     * into the residual stream scaled by 1/sqrt(2·layers), biases zero, norm gains one.
     */
    void initialize(GptConfig config, long seed) {
        Random random = new Random(seed);
        float residualStd = (float) (0.02 / Math.sqrt(2.0 * config.layers()));
        for (Parameter p : all) {
            float[] data = p.data();
            String name = p.name();
            if (name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.equals("ln_f.weight")) {
                java.util.Arrays.fill(data, 1f);
            } else if (!p.isMatrix()) {
                java.util.Arrays.fill(data, 0f);
            } else {
                float std = name.endsWith("c_proj.weight") ? residualStd : 0.02f;
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) (random.nextGaussian() * std);
                }
            }
        }
    }
}
