package dev.rlhfloop.llm.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The LoRA adapters of one {@link Gpt}: per adapted block, one pair of {@code lora_A}/{@code lora_B}
 * per adapted projection, named like the projection's weight ({@code h.0.attn.c_attn.lora_A.weight}).
 * A starts uniform in ±1/√in (PyTorch's Kaiming-uniform bound for a Linear), B at zero, so an
 * attached adapter does not change the model until it trains.
 */
public final class LoraAdapters {

    /** GPT-2's four projections in a block, in forward order. */
    public enum Projection {
        QKV("attn.c_attn", "c_attn"), ATTENTION_OUT("attn.c_proj", "c_proj"), FC("mlp.c_fc", "c_fc"), FC_OUT("mlp.c_proj", "c_proj");

        /** The module path inside a block, as in Hugging Face's GPT-2. */
        public final String path;
        /** The name PEFT's {@code target_modules} matches. */
        public final String module;

        Projection(String path, String module) {
            this.path = path;
            this.module = module;
        }

        public int in(int c) {
            return this == FC_OUT ? 4 * c : c;
        }

        public int out(int c) {
            return switch (this) {
                case QKV -> 3 * c;
                case FC -> 4 * c;
                default -> c;
            };
        }
    }

    /** One adapted projection: {@code a [rank, in]}, {@code b [out, rank]}, and the forward's {@code down} for backward. */
    public static final class Adapter {
        public final int layer;
        public final Projection projection;
        public final Parameter a;
        public final Parameter b;
        final int in;
        final int out;
        float[] down = new float[0];
        float[] ddown = new float[0];

        Adapter(int layer, Projection projection, int rank, int c) {
            this.layer = layer;
            this.projection = projection;
            this.in = projection.in(c);
            this.out = projection.out(c);
            String base = "h." + layer + "." + projection.path + ".";
            this.a = new Parameter(base + "lora_A.weight", rank, in);
            this.b = new Parameter(base + "lora_B.weight", out, rank);
        }

        void ensureRows(int rows, int rank) {
            if (down.length != rows * rank) {
                down = new float[rows * rank];
                ddown = new float[rows * rank];
            }
        }
    }

    private final LoraSettings settings;
    private final Adapter[][] byLayer;
    private final List<Adapter> adapters;
    private final List<Parameter> parameters;

    LoraAdapters(GptConfig config, LoraSettings settings) {
        for (int layer : settings.layers()) {
            if (layer < 0 || layer >= config.layers()) {
                throw new IllegalArgumentException("LoRA layer " + layer + " is outside the model's " + config.layers() + " layers");
            }
        }
        this.settings = settings;
        this.byLayer = new Adapter[config.layers()][Projection.values().length];
        List<Adapter> list = new ArrayList<>();
        List<Parameter> params = new ArrayList<>();
        for (int layer = 0; layer < config.layers(); layer++) {
            if (!settings.adapts(layer)) {
                continue;
            }
            for (Projection projection : Projection.values()) {
                if (settings.modules().contains(projection.module)) {
                    Adapter adapter = new Adapter(layer, projection, settings.rank(), config.embedDim());
                    byLayer[layer][projection.ordinal()] = adapter;
                    list.add(adapter);
                    params.add(adapter.a);
                    params.add(adapter.b);
                }
            }
        }
        this.adapters = Collections.unmodifiableList(list);
        this.parameters = Collections.unmodifiableList(params);
    }

    void initialize(long seed) {
        Random random = new Random(seed);
        for (Adapter adapter : adapters) {
            float bound = (float) (1 / Math.sqrt(adapter.in));
            float[] a = adapter.a.data();
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((2 * random.nextDouble() - 1) * bound);
            }
        }
    }

    public LoraSettings settings() {
        return settings;
    }

    public List<Adapter> adapters() {
        return adapters;
    }

    /** Every A and B, in block and forward order: what an optimizer updates. */
    public List<Parameter> parameters() {
        return parameters;
    }

    /** The adapter of a block's projection, or null where there is none. */
    public Adapter get(int layer, Projection projection) {
        return byLayer[layer][projection.ordinal()];
    }

    /** The lowest adapted block. */
    public int lowestLayer() {
        return adapters.get(0).layer;
    }

    void forward(int layer, Projection projection, float[] out, float[] inp, int rows) {
        Adapter adapter = byLayer[layer][projection.ordinal()];
        if (adapter != null) {
            adapter.ensureRows(rows, settings.rank());
            LoraLinear.forward(out, adapter.down, inp, adapter.a.data(), adapter.b.data(), settings.scaling(), rows, adapter.in,
                    adapter.out, settings.rank());
        }
    }

    /** The same for inference, with its own scratch so that several threads may generate at once. */
    void forwardInference(int layer, Projection projection, float[] out, float[] inp, int firstRow, int rows) {
        Adapter adapter = byLayer[layer][projection.ordinal()];
        if (adapter != null) {
            LoraLinear.forward(out, new float[rows * settings.rank()], inp, firstRow, adapter.a.data(), adapter.b.data(),
                    settings.scaling(), rows, adapter.in, adapter.out, settings.rank());
        }
    }

    void backward(int layer, Projection projection, float[] dinp, float[] dout, float[] inp, int rows) {
        Adapter adapter = byLayer[layer][projection.ordinal()];
        if (adapter != null) {
            LoraLinear.backward(dinp, adapter.a.grad(), adapter.b.grad(), adapter.ddown, dout, inp, adapter.down, adapter.a.data(),
                    adapter.b.data(), settings.scaling(), rows, adapter.in, adapter.out, settings.rank());
        }
    }
}
