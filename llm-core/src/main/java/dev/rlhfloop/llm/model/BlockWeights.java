package dev.rlhfloop.llm.model;

import java.util.ArrayList;
import java.util.List;

/** The parameters of one transformer block, named as in Hugging Face's GPT-2 ({@code h.N.*}). */
public final class BlockWeights {

    public final Parameter ln1Weight;
    public final Parameter ln1Bias;
    /** Query, key and value projection, {@code [C, 3C]}: columns q | k | v, each split by head. */
    public final Parameter qkvWeight;
    /** {@code null} when the config has no qkv bias. */
    public final Parameter qkvBias;
    public final Parameter attnProjWeight;
    public final Parameter attnProjBias;
    public final Parameter ln2Weight;
    public final Parameter ln2Bias;
    public final Parameter fcWeight;
    public final Parameter fcBias;
    public final Parameter fcProjWeight;
    public final Parameter fcProjBias;

    BlockWeights(GptConfig config, int layer) {
        int c = config.embedDim();
        String p = "h." + layer + ".";
        ln1Weight = new Parameter(p + "ln_1.weight", c);
        ln1Bias = new Parameter(p + "ln_1.bias", c);
        qkvWeight = new Parameter(p + "attn.c_attn.weight", c, 3 * c);
        qkvBias = config.qkvBias() ? new Parameter(p + "attn.c_attn.bias", 3 * c) : null;
        attnProjWeight = new Parameter(p + "attn.c_proj.weight", c, c);
        attnProjBias = new Parameter(p + "attn.c_proj.bias", c);
        ln2Weight = new Parameter(p + "ln_2.weight", c);
        ln2Bias = new Parameter(p + "ln_2.bias", c);
        fcWeight = new Parameter(p + "mlp.c_fc.weight", c, 4 * c);
        fcBias = new Parameter(p + "mlp.c_fc.bias", 4 * c);
        fcProjWeight = new Parameter(p + "mlp.c_proj.weight", 4 * c, c);
        fcProjBias = new Parameter(p + "mlp.c_proj.bias", c);
    }

    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(List.of(ln1Weight, ln1Bias, qkvWeight));
        if (qkvBias != null) {
            all.add(qkvBias);
        }
        all.addAll(List.of(attnProjWeight, attnProjBias, ln2Weight, ln2Bias, fcWeight, fcBias, fcProjWeight, fcProjBias));
        return all;
    }
}
