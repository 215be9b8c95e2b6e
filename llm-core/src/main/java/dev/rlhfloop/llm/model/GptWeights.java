package dev.rlhfloop.llm.model;

import java.util.ArrayList;
import java.util.Arrays;
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

    /** Draws the first weights by {@code scheme}, reproducibly from {@code seed}. */
    void initialize(GptConfig config, long seed, Initialization scheme) {
        Random random = new Random(seed);
        float residualStd = (float) (0.02 / Math.sqrt(2.0 * config.layers()));
        Map<String, Parameter> named = byName();
        for (Parameter p : all) {
            float[] data = p.data();
            String name = p.name();
            if (isNorm(name)) {
                Arrays.fill(data, name.endsWith(".weight") ? 1f : 0f);
            } else if (scheme == Initialization.GPT2) {
                if (!p.isMatrix()) {
                    Arrays.fill(data, 0f);
                } else {
                    float std = name.endsWith("c_proj.weight") ? residualStd : 0.02f;
                    gaussian(random, data, std);
                }
            } else if (name.equals("wte.weight") || name.equals("wpe.weight")) {
                gaussian(random, data, 1f);
            } else {
                // nn.Linear: weight and bias U(±1/sqrt(fan_in)); weights here are [in, out], the untied head [V, C].
                int fanIn = name.equals("lm_head.weight") ? p.shape()[1]
                        : named.get(name.replace(".bias", ".weight")).shape()[0];
                float bound = (float) (1 / Math.sqrt(fanIn));
                for (int i = 0; i < data.length; i++) {
                    data[i] = (float) ((2 * random.nextDouble() - 1) * bound);
                }
            }
        }
    }

    private static boolean isNorm(String name) {
        return name.contains("ln_1.") || name.contains("ln_2.") || name.startsWith("ln_f.");
    }

    private static void gaussian(Random random, float[] data, float std) {
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * std);
        }
    }
}
