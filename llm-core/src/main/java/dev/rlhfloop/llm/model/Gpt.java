package dev.rlhfloop.llm.model;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.Forks;
import dev.rlhfloop.llm.model.LoraAdapters.Projection;
import dev.rlhfloop.llm.tensor.Matmul;
import dev.rlhfloop.llm.tensor.PackedMatrix;
import dev.rlhfloop.llm.tensor.Parallel;
import dev.rlhfloop.llm.tensor.VectorMath;
import dev.rlhfloop.llm.tensor.WeightFormat;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A GPT-2: forward and hand-written backward over a B×T batch, and incremental inference with a
 * {@link KvCache}.
 *
 * <p>Training: {@link #loss(Batch)} then {@link #backward()}. Gradients add up in each
 * {@link Parameter#grad()} until {@link #zeroGrad()}, which is how gradient accumulation works.
 * Objectives other than next-token loss (DPO, PPO, reward models) use the lower-level pairs, each
 * backward referring to the most recent forward:
 * <ul>
 * <li>{@link #tokenLogProbs(Batch)} → log p(target) per position, {@link #backwardLogProbs(float[])};
 * <li>{@link #forward(int[], int, int)} → logits, {@link #backwardLogits(float[])};
 * <li>{@link #forwardHidden(int[], int, int)} → final hidden states, {@link #backwardHidden(float[])}.
 * </ul>
 * A batch with {@link Forks} holds two sequences per row that share their first tokens (a
 * preference pair's answers after one prompt): each gets what it would get alone.
 * Arrays returned by these methods are the model's own buffers, valid until its next forward.
 * A model is not thread-safe for training; its kernels run on {@link Parallel}. Inference with
 * {@link #forwardCached} only reads the weights, so several threads may generate at once, each
 * with its own {@link KvCache} (one {@link dev.rlhfloop.llm.sample.Generator} per stream).
 */
public final class Gpt {

    private enum Output { NONE, HIDDEN, LOGITS, PROBABILITIES }

    private static final long PARALLEL_ATTENTION_WORK = 1L << 17;

    private final GptConfig config;
    private final GptWeights weights;
    private boolean training;
    private long dropoutSeed;
    private long dropoutPasses;

    private LoraAdapters lora;
    /** The packed copy {@link #forwardCached} reads, or null: then it reads the fp32 parameters. */
    private InferenceWeights inference;

    private Activations acts;
    private Output output = Output.NONE;
    private int[] tokens;
    /** The last forward's forks, or null: one sequence per row. */
    private Forks forks;
    private int[] targets;
    private int countedTargets;
    /** The rows of the last {@link #tokenLogProbs} the head ran on, when not all: their final hidden states, their targets. */
    private int[] headRows;
    private float[] headHidden;
    private int[] headTargets;
    private long passKey;

    private Gpt(GptConfig config) {
        this(config, new GptWeights(config));
    }

    private Gpt(GptConfig config, GptWeights weights) {
        this.config = config;
        this.weights = weights;
    }

    /** A model with GPT-2's random initialisation, reproducible from {@code seed}. */
    public static Gpt create(GptConfig config, long seed) {
        return create(config, seed, Initialization.GPT2);
    }

    /** A model with random weights drawn by {@code scheme}, reproducible from {@code seed}. */
    public static Gpt create(GptConfig config, long seed, Initialization scheme) {
        Gpt gpt = new Gpt(config);
        gpt.weights.initialize(config, seed, scheme);
        gpt.dropoutSeed = seed;
        return gpt;
    }

    /** A model whose parameters are all zero, to be filled by a checkpoint loader. */
    public static Gpt empty(GptConfig config) {
        return new Gpt(config);
    }

    /**
     * An independent model with the same config and weights (e.g. the frozen reference for DPO or
     * PPO). LoRA adapters are not copied: the copy of an adapted model is its base.
     */
    public Gpt copy() {
        Gpt copy = new Gpt(config);
        copy.copyWeightsFrom(this);
        copy.dropoutSeed = dropoutSeed;
        return copy;
    }

    /**
     * A model that shares this one's weights (no copy) and nothing else: its own buffers, mode and
     * adapters. The way to serve or train many LoRA adapters over one frozen base in memory once;
     * training either model's full weights changes both.
     */
    public Gpt sharingWeights() {
        Gpt view = new Gpt(config, weights);
        view.dropoutSeed = dropoutSeed;
        view.inference = inference;
        return view;
    }

    /** Overwrites this model's weights with {@code other}'s, which must have the same config. */
    public void copyWeightsFrom(Gpt other) {
        if (!other.config.equals(config)) {
            throw new IllegalArgumentException("configs differ: " + other.config + " vs " + config);
        }
        List<Parameter> mine = weights.parameters();
        List<Parameter> theirs = other.weights.parameters();
        for (int i = 0; i < mine.size(); i++) {
            System.arraycopy(theirs.get(i).data(), 0, mine.get(i).data(), 0, mine.get(i).size());
        }
        repack();
    }

    /**
     * Makes {@link #forwardCached} read a packed copy of the matrices in {@code format} (fp32,
     * bf16 or int8; see {@link PackedMatrix}): the decode step reads every weight once per token,
     * so fewer bytes per weight generate faster. The copy is taken now and kept beside the fp32
     * parameters, which training and the other passes go on using; {@link #copyWeightsFrom} and
     * {@link #mergeLora} pack again, but other changes to the weights (a training step) are not
     * seen by forwardCached until this is called again. Views from {@link #sharingWeights} made
     * afterwards share the copy.
     */
    public void packForInference(WeightFormat format) {
        inference = new InferenceWeights(config, weights, format);
    }

    /** The format {@link #forwardCached} reads, when {@link #packForInference packed}. */
    public Optional<WeightFormat> inferenceFormat() {
        return Optional.ofNullable(inference).map(InferenceWeights::format);
    }

    private void repack() {
        if (inference != null) {
            packForInference(inference.format());
        }
    }

    public GptConfig config() {
        return config;
    }

    public GptWeights weights() {
        return weights;
    }

    public List<Parameter> parameters() {
        return weights.parameters();
    }

    public void zeroGrad() {
        // In parallel: on the calling thread alone, nano's 17 MB of gradients took ~1 ms a step.
        List<Parameter> base = weights.parameters();
        Parallel.forEach(0, base.size(), i -> base.get(i).zeroGrad());
        if (lora != null) {
            for (Parameter p : lora.parameters()) {
                p.zeroGrad();
            }
        }
    }

    /**
     * Attaches LoRA adapters (A random from {@code seed}, B zero, so the model's outputs do not
     * change yet). From then on the base weights are frozen: backward computes gradients only for
     * the adapters (and the inputs that reach them), and {@link #trainableParameters()} lists only those.
     */
    public LoraAdapters attachLora(LoraSettings settings, long seed) {
        if (lora != null) {
            throw new IllegalStateException("this model already has LoRA adapters");
        }
        LoraAdapters adapters = new LoraAdapters(config, settings);
        adapters.initialize(seed);
        lora = adapters;
        return adapters;
    }

    /** The attached adapters, or null. */
    public LoraAdapters lora() {
        return lora;
    }

    /** What training updates: the LoRA adapters when attached, else every parameter. */
    public List<Parameter> trainableParameters() {
        return lora != null ? lora.parameters() : weights.parameters();
    }

    /** Folds the adapters into the projections ({@code W += scaling · Aᵀ·Bᵀ}) and detaches them: the same function, a plain GPT-2 again. */
    public void mergeLora() {
        if (lora == null) {
            throw new IllegalStateException("this model has no LoRA adapters to merge");
        }
        int c = config.embedDim();
        for (LoraAdapters.Adapter adapter : lora.adapters()) {
            BlockWeights w = weights.blocks.get(adapter.layer);
            Parameter weight = switch (adapter.projection) {
                case QKV -> w.qkvWeight;
                case ATTENTION_OUT -> w.attnProjWeight;
                case FC -> w.fcWeight;
                case FC_OUT -> w.fcProjWeight;
            };
            LoraLinear.merge(weight.data(), adapter.a.data(), adapter.b.data(), lora.settings().scaling(),
                    adapter.projection.in(c), adapter.projection.out(c), lora.settings().rank());
        }
        lora = null;
        repack();
    }

    /** Training mode applies dropout (if the config has any); evaluation mode never does. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Dropout masks derive from this seed and a count of training forward passes, both part of
     * the state a resumed run must restore to reproduce a run bit for bit.
     */
    public void setDropoutState(long seed, long passes) {
        this.dropoutSeed = seed;
        this.dropoutPasses = passes;
    }

    public long dropoutSeed() {
        return dropoutSeed;
    }

    public long dropoutPasses() {
        return dropoutPasses;
    }

    // ---------------------------------------------------------------- training-time forward

    /** Mean next-token cross-entropy over the targets that are not {@link Batch#IGNORE} (0 if none). */
    public float loss(Batch batch) {
        float[] logProbs = tokenLogProbs(batch);
        if (countedTargets == 0) {
            return 0f;
        }
        double sum = 0;
        for (int row = 0; row < batch.tokens(); row++) {
            sum -= logProbs[row];
        }
        return (float) (sum / countedTargets);
    }

    /** Backward of the mean loss of the last {@link #loss(Batch)}, adding into the gradients. */
    public void backward() {
        backward(1f);
    }

    /** Backward of {@code scale × mean loss}: e.g. 1/k for each of k accumulated micro-batches. */
    public void backward(float scale) {
        requireOutput(Output.PROBABILITIES, "loss or tokenLogProbs");
        float[] dlogProbs = new float[acts.rows];
        float g = countedTargets == 0 ? 0f : -scale / countedTargets;
        Arrays.fill(dlogProbs, g);
        backwardLogProbs(dlogProbs);
    }

    /**
     * Forward pass giving log p(target[i] | inputs[..i]) at every position, 0 where the target is
     * {@link Batch#IGNORE}. The sum over a response's positions is the sequence log-probability
     * that reward models, DPO and PPO need.
     */
    public float[] tokenLogProbs(Batch batch) {
        targets = batch.targets().clone();
        int counted = batch.countedTargets();
        if (counted == targets.length) {
            headRows = null;
            forwardHidden(batch.inputs(), batch.batchSize(), batch.length(), batch.forks());
            headAll();
            countedTargets = CrossEntropy.softmaxLogProbs(acts.logits(), targets, acts.logProbs, acts.rows, config.vocabSize());
            output = Output.PROBABILITIES;
            return acts.logProbs;
        }
        // The head only where a target counts: a prompt's or a pad's logits would be computed to be
        // multiplied by 0, and in an instruction or a preference batch those are most of the rows.
        forwardHidden(batch.inputs(), batch.batchSize(), batch.length(), batch.forks());
        int c = config.embedDim();
        headRows = new int[counted];
        headTargets = new int[counted];
        headHidden = new float[counted * c];
        for (int row = 0, i = 0; row < targets.length; row++) {
            if (targets[row] == Batch.IGNORE) continue;
            headRows[i] = row;
            headTargets[i] = targets[row];
            System.arraycopy(acts.lnf, row * c, headHidden, i * c, c);
            i++;
        }
        Arrays.fill(acts.logProbs, 0f);
        if (counted > 0) {
            float[] logits = acts.logits();
            Matmul.multiply(logits, 0, headHidden, 0, false, weights.head.data(), 0, true, counted, config.vocabSize(), c, false);
            float[] logProbs = new float[counted];
            CrossEntropy.softmaxLogProbs(logits, headTargets, logProbs, counted, config.vocabSize());
            for (int i = 0; i < counted; i++) acts.logProbs[headRows[i]] = logProbs[i];
        }
        countedTargets = counted;
        output = Output.PROBABILITIES;
        return acts.logProbs;
    }

    /** Backward from the gradient of an objective with respect to each position's log p(target). */
    public void backwardLogProbs(float[] dlogProbs) {
        requireOutput(Output.PROBABILITIES, "loss or tokenLogProbs");
        if (dlogProbs.length != acts.rows) {
            throw new IllegalArgumentException("need one gradient per position: " + acts.rows + ", got " + dlogProbs.length);
        }
        float[] dlogits = acts.logits();
        output = Output.NONE;
        if (headRows == null) {
            CrossEntropy.backward(dlogits, targets, dlogProbs, acts.rows, config.vocabSize());
            backwardFromLogits(dlogits);
            return;
        }
        int counted = headRows.length;
        int c = config.embedDim();
        float[] dlnf = acts.dNorm();
        Arrays.fill(dlnf, 0f);
        if (counted > 0) {
            float[] dheadLogProbs = new float[counted];
            for (int i = 0; i < counted; i++) dheadLogProbs[i] = dlogProbs[headRows[i]];
            CrossEntropy.backward(dlogits, headTargets, dheadLogProbs, counted, config.vocabSize());
            float[] dheadHidden = new float[counted * c];
            Matmul.multiply(dheadHidden, 0, dlogits, 0, false, weights.head.data(), 0, false, counted, c, config.vocabSize(), false);
            if (lora == null) {
                Matmul.multiply(weights.head.grad(), 0, dlogits, 0, true, headHidden, 0, false, config.vocabSize(), c, counted, true);
            }
            for (int i = 0; i < counted; i++) System.arraycopy(dheadHidden, i * c, dlnf, headRows[i] * c, c);
        }
        backwardFromHidden(dlnf, 0);
    }

    /** Logits {@code [B·T, V]} for every position. */
    public float[] forward(int[] inputs, int batchSize, int length) {
        return forward(inputs, batchSize, length, null);
    }

    /** As the overload without it, each row holding the sequences {@code forks} describes (one when null). */
    public float[] forward(int[] inputs, int batchSize, int length, Forks forks) {
        forwardHidden(inputs, batchSize, length, forks);
        float[] logits = headAll();
        output = Output.LOGITS;
        return logits;
    }

    /** The output head on every row of the last forward's final hidden states. */
    private float[] headAll() {
        float[] logits = acts.logits();
        Matmul.multiply(logits, 0, acts.lnf, 0, false, weights.head.data(), 0, true,
                acts.rows, config.vocabSize(), config.embedDim(), false);
        return logits;
    }

    /** Backward from {@code dlogits [B·T, V]} of the last {@link #forward}; may be the returned logits array itself. */
    public void backwardLogits(float[] dlogits) {
        requireOutput(Output.LOGITS, "forward");
        if (dlogits.length != acts.rows * config.vocabSize()) {
            throw new IllegalArgumentException("dlogits must hold " + acts.rows + "x" + config.vocabSize() + " values");
        }
        output = Output.NONE;
        backwardFromLogits(dlogits);
    }

    /** Final hidden states {@code [B·T, C]} (after the last LayerNorm), without the output head. */
    public float[] forwardHidden(int[] inputs, int batchSize, int length) {
        return forwardHidden(inputs, batchSize, length, null);
    }

    /** As the overload without it, each row holding the sequences {@code forks} describes (one when null). */
    public float[] forwardHidden(int[] inputs, int batchSize, int length, Forks forks) {
        if (forks == null && length > config.contextLength()) {
            throw new IllegalArgumentException("sequence length " + length + " exceeds the context length " + config.contextLength());
        }
        if (forks != null && !forks.fit(batchSize, length)) {
            throw new IllegalArgumentException("forks must describe " + batchSize + " rows of " + length + " tokens");
        }
        if (forks != null && forks.maxPosition() >= config.contextLength()) {
            throw new IllegalArgumentException("sequence length " + (forks.maxPosition() + 1) + " exceeds the context length "
                    + config.contextLength());
        }
        if (inputs.length != batchSize * length) {
            throw new IllegalArgumentException("inputs must hold " + batchSize + "x" + length + " ids, got " + inputs.length);
        }
        if (acts == null || !acts.fits(batchSize, length)) {
            acts = null; // let the old buffers go before allocating new ones
            acts = new Activations(config, batchSize, length);
        }
        tokens = inputs.clone();
        this.forks = forks;
        boolean dropout = training && config.dropout() > 0f;
        passKey = dropout ? dropoutPasses++ : -1;
        float rate = dropout ? config.dropout() : 0f;

        int rows = acts.rows;
        int c = config.embedDim();
        Embedding.forward(acts.encoded, inputs, weights.tokenEmbedding.data(), weights.positionEmbedding.data(),
                batchSize, length, forks, c, config.vocabSize());
        Dropout.apply(acts.encoded, rows * c, rate, siteKey(0));
        float[] x = acts.encoded;
        for (int l = 0; l < config.layers(); l++) {
            BlockWeights w = weights.blocks.get(l);
            Activations.Block a = acts.blocks[l];
            LayerNorm.forward(a.ln1, a.ln1Mean, a.ln1Rstd, x, w.ln1Weight.data(), w.ln1Bias.data(), rows, c, config.layerNormEpsilon());
            Linear.forward(a.qkv, a.ln1, w.qkvWeight.data(), w.qkvBias == null ? null : w.qkvBias.data(), rows, c, 3 * c);
            if (lora != null) {
                lora.forward(l, Projection.QKV, a.qkv, a.ln1, rows);
            }
            Attention.forward(a.attention, a.logSumExp, a.qkv, batchSize, length, c, config.heads(), forks, rate, siteKey(1 + 3 * l));
            Linear.forward(acts.projection, a.attention, w.attnProjWeight.data(), w.attnProjBias.data(), rows, c, c);
            if (lora != null) {
                lora.forward(l, Projection.ATTENTION_OUT, acts.projection, a.attention, rows);
            }
            Dropout.apply(acts.projection, rows * c, rate, siteKey(2 + 3 * l));
            residual(a.residualMid, x, acts.projection, rows * c);
            LayerNorm.forward(a.ln2, a.ln2Mean, a.ln2Rstd, a.residualMid, w.ln2Weight.data(), w.ln2Bias.data(), rows, c, config.layerNormEpsilon());
            Linear.forward(a.fc, a.ln2, w.fcWeight.data(), w.fcBias.data(), rows, c, 4 * c);
            if (lora != null) {
                lora.forward(l, Projection.FC, a.fc, a.ln2, rows);
            }
            Gelu.forward(a.fcGelu, a.fc, rows * 4 * c);
            Linear.forward(acts.projection, a.fcGelu, w.fcProjWeight.data(), w.fcProjBias.data(), rows, 4 * c, c);
            if (lora != null) {
                lora.forward(l, Projection.FC_OUT, acts.projection, a.fcGelu, rows);
            }
            Dropout.apply(acts.projection, rows * c, rate, siteKey(3 + 3 * l));
            residual(a.residualOut, a.residualMid, acts.projection, rows * c);
            x = a.residualOut;
        }
        LayerNorm.forward(acts.lnf, acts.lnfMean, acts.lnfRstd, x, weights.finalNormWeight.data(), weights.finalNormBias.data(),
                rows, c, config.layerNormEpsilon());
        output = Output.HIDDEN;
        return acts.lnf;
    }

    /** Backward from {@code dhidden [B·T, C]}, the gradient on the last {@link #forwardHidden}'s result. */
    public void backwardHidden(float[] dhidden) {
        backwardHidden(dhidden, 0);
    }

    /**
     * Backward from {@code dhidden} through the final LayerNorm and the blocks from the last down to
     * {@code lowestLayer} only: the blocks below and the embeddings get no gradient. Fine-tuning
     * that trains only the top blocks (the book's classifier trains the last one) skips the rest
     * of the backward pass this way.
     */
    public void backwardHidden(float[] dhidden, int lowestLayer) {
        requireOutput(Output.HIDDEN, "forwardHidden");
        if (dhidden.length != acts.rows * config.embedDim()) {
            throw new IllegalArgumentException("dhidden must hold " + acts.rows + "x" + config.embedDim() + " values");
        }
        if (lowestLayer < 0 || lowestLayer > config.layers()) {
            throw new IllegalArgumentException("lowest layer " + lowestLayer + " is outside [0, " + config.layers() + "]");
        }
        output = Output.NONE;
        backwardFromHidden(dhidden, lowestLayer);
    }

    private void backwardFromLogits(float[] dlogits) {
        int rows = acts.rows;
        int c = config.embedDim();
        int v = config.vocabSize();
        float[] dlnf = acts.dNorm();
        Matmul.multiply(dlnf, 0, dlogits, 0, false, weights.head.data(), 0, false, rows, c, v, false);
        if (lora == null) {
            Matmul.multiply(weights.head.grad(), 0, dlogits, 0, true, acts.lnf, 0, false, v, c, rows, true);
        }
        backwardFromHidden(dlnf, 0);
    }

    private void backwardFromHidden(float[] dlnf, int lowestLayer) {
        int rows = acts.rows;
        int c = config.embedDim();
        float rate = passKey >= 0 ? config.dropout() : 0f;
        float[] dres = acts.dResidual();
        float[] dnorm = acts.dNorm();
        float[] dproj = acts.projection;
        float[] dfc = acts.dFc();
        float[] dattention = acts.dAttention();
        float[] dqkv = acts.dQkv();

        Arrays.fill(dres, 0f);
        int last = config.layers() - 1;
        LayerNorm.backward(dres, weights.finalNormWeight.grad(), weights.finalNormBias.grad(), dlnf,
                acts.blocks[last].residualOut, weights.finalNormWeight.data(), acts.lnfMean, acts.lnfRstd, rows, c);
        for (int l = last; l >= lowestLayer; l--) {
            BlockWeights w = weights.blocks.get(l);
            Activations.Block a = acts.blocks[l];
            float[] x = l == 0 ? acts.encoded : acts.blocks[l - 1].residualOut;

            float[] dy = throughDropout(dres, dproj, rows * c, rate, siteKey(3 + 3 * l));
            Linear.backward(dfc, trained(w.fcProjWeight), trained(w.fcProjBias), dy, a.fcGelu, w.fcProjWeight.data(), rows, 4 * c, c);
            if (lora != null) {
                lora.backward(l, Projection.FC_OUT, dfc, dy, a.fcGelu, rows);
            }
            Gelu.backward(dfc, a.fc, dfc, rows * 4 * c);
            Linear.backward(dnorm, trained(w.fcWeight), trained(w.fcBias), dfc, a.ln2, w.fcWeight.data(), rows, c, 4 * c);
            if (lora != null) {
                lora.backward(l, Projection.FC, dnorm, dfc, a.ln2, rows);
            }
            LayerNorm.backward(dres, w.ln2Weight.grad(), w.ln2Bias.grad(), dnorm, a.residualMid, w.ln2Weight.data(),
                    a.ln2Mean, a.ln2Rstd, rows, c);

            dy = throughDropout(dres, dproj, rows * c, rate, siteKey(2 + 3 * l));
            Linear.backward(dattention, trained(w.attnProjWeight), trained(w.attnProjBias), dy, a.attention, w.attnProjWeight.data(),
                    rows, c, c);
            if (lora != null) {
                lora.backward(l, Projection.ATTENTION_OUT, dattention, dy, a.attention, rows);
            }
            Attention.backward(dqkv, dattention, a.qkv, a.attention, a.logSumExp, acts.batchSize, acts.length, c, config.heads(),
                    forks, rate, siteKey(1 + 3 * l));
            Linear.backward(dnorm, trained(w.qkvWeight), w.qkvBias == null ? null : trained(w.qkvBias), dqkv, a.ln1, w.qkvWeight.data(),
                    rows, c, 3 * c);
            if (lora != null) {
                lora.backward(l, Projection.QKV, dnorm, dqkv, a.ln1, rows);
            }
            LayerNorm.backward(dres, w.ln1Weight.grad(), w.ln1Bias.grad(), dnorm, x, w.ln1Weight.data(), a.ln1Mean, a.ln1Rstd, rows, c);
        }
        if (lowestLayer > 0 || lora != null) {
            return;
        }
        Dropout.apply(dres, rows * c, rate, siteKey(0));
        Embedding.backward(weights.tokenEmbedding.grad(), weights.positionEmbedding.grad(), dres, tokens,
                acts.batchSize, acts.length, forks, c);
    }

    /** The gradient array of a base weight, or null (not computed) while LoRA freezes the base. */
    private float[] trained(Parameter p) {
        return lora != null ? null : p.grad();
    }

    /**
     * The gradient that reaches a projection through its dropout site: {@code gradient} itself
     * without dropout (the backward only reads it; copying it first cost ~2 ms of a nano step on the
     * calling thread alone), else a copy in {@code scratch} with the site's mask applied.
     */
    private static float[] throughDropout(float[] gradient, float[] scratch, int n, float rate, long key) {
        if (rate == 0f) {
            return gradient;
        }
        System.arraycopy(gradient, 0, scratch, 0, n);
        Dropout.apply(scratch, n, rate, key);
        return scratch;
    }

    private long siteKey(int site) {
        return Dropout.key(dropoutSeed, passKey, site);
    }

    private void requireOutput(Output expected, String forward) {
        if (output != expected) {
            throw new IllegalStateException("this backward needs a preceding " + forward + " (and runs once per forward)");
        }
    }

    /** {@code out = a + b}, each chunk copied and added by the thread that owns it. */
    private static void residual(float[] out, float[] a, float[] b, int n) {
        int chunk = 1 << 14;
        Parallel.forEach(0, (n + chunk - 1) / chunk, i -> {
            int length = Math.min(chunk, n - i * chunk);
            System.arraycopy(a, i * chunk, out, i * chunk, length);
            VectorMath.add(b, i * chunk, out, i * chunk, length);
        });
    }

    // ---------------------------------------------------------------- incremental inference

    public KvCache newCache() {
        return new KvCache(config);
    }

    /**
     * Row boundaries of the adapter products in a cached step: consecutive sequences packed into
     * groups of at most {@link Matmul#ROW_DOT_MAX_ROWS} rows, a longer prompt on its own. Its rows
     * then take the same kernel path as when the sequence is stepped alone (an adapter's products
     * have a transposed operand, which is batch-invariant only up to that many rows).
     */
    private static int[] loraGroups(int[] firstRow) {
        int[] bounds = new int[2 * firstRow.length];
        int groups = 0;
        int start = 0;
        for (int i = 1; i < firstRow.length; i++) {
            // Sequence i - 1 has rows [firstRow[i - 1], firstRow[i]).
            if (firstRow[i] - start > Matmul.ROW_DOT_MAX_ROWS && firstRow[i - 1] > start) {
                start = bounds[++groups] = firstRow[i - 1];
            }
            if (firstRow[i] - start > Matmul.ROW_DOT_MAX_ROWS) {
                start = bounds[++groups] = firstRow[i];
            }
        }
        if (start < firstRow[firstRow.length - 1]) {
            bounds[++groups] = firstRow[firstRow.length - 1];
        }
        return Arrays.copyOf(bounds, groups + 1);
    }

    private void loraInference(int layer, Projection projection, float[] out, float[] inp, int[] groups) {
        for (int g = 0; g + 1 < groups.length; g++) {
            lora.forwardInference(layer, projection, out, inp, groups[g], groups[g + 1] - groups[g]);
        }
    }

    /** Working memory for {@link #forwardCached(DecodeScratch, KvCache[], int[][])}: one per thread that steps batches. */
    public DecodeScratch newDecodeScratch() {
        return new DecodeScratch();
    }

    /**
     * Feeds {@code newTokens} after the cache's current position (a whole prompt at once, or one
     * generated token) and returns the logits {@code [V]} that predict the token after the last
     * one. Never applies dropout. The one-sequence case of the batched step below.
     */
    public float[] forwardCached(KvCache cache, int... newTokens) {
        return forwardCached(cache.scratch, new KvCache[] {cache}, new int[][] {newTokens})[0];
    }

    /**
     * One step of several sequences at once: sequence {@code i} feeds {@code newTokens[i]} after
     * {@code caches[i]}'s position (a prompt joining, or the next token). Every linear layer runs
     * once over all the rows, so the weights are read once per step for the whole batch; attention
     * runs per row against its own cache. Returns, per sequence, the logits {@code [V]} after its
     * last token. Each row's numbers are those of the sequence stepped alone (batch-invariant) as
     * long as the step has at most {@link Matmul#ROW_DOT_MAX_ROWS} sequences (and rows, with LoRA).
     */
    public float[][] forwardCached(DecodeScratch s, KvCache[] caches, int[][] newTokens) {
        int batch = caches.length;
        if (batch == 0 || newTokens.length != batch) {
            throw new IllegalArgumentException("a step needs one token array per cache, got " + newTokens.length
                    + " for " + batch + " caches");
        }
        int[] firstRow = new int[batch + 1];
        int longest = 0;
        for (int i = 0; i < batch; i++) {
            int n = newTokens[i].length;
            int start = caches[i].position();
            if (n == 0) {
                throw new IllegalArgumentException("forwardCached needs at least one token");
            }
            if (start + n > caches[i].capacity()) {
                throw new IllegalArgumentException("context full: " + start + " + " + n + " tokens exceed " + caches[i].capacity());
            }
            caches[i].reserve(start + n);
            firstRow[i + 1] = firstRow[i] + n;
            longest = Math.max(longest, start + n);
        }
        int rows = firstRow[batch];
        int c = config.embedDim();
        int heads = config.heads();
        int headDim = config.headDim();
        float eps = config.layerNormEpsilon();
        s.ensure(rows, batch, c);
        // Row r belongs to sequence owner[r] and sits at position position[r] of it.
        int[] owner = s.owner;
        int[] position = s.position;
        long attentionWork = 0;
        for (int i = 0; i < batch; i++) {
            for (int r = firstRow[i]; r < firstRow[i + 1]; r++) {
                owner[r] = i;
                position[r] = caches[i].position() + r - firstRow[i];
                attentionWork += (long) (position[r] + 1) * c;
            }
        }
        float[] x = s.x;
        float[] wte = weights.tokenEmbedding.data();
        float[] wpe = weights.positionEmbedding.data();
        for (int r = 0; r < rows; r++) {
            Embedding.forwardRow(x, r * c, newTokens[owner[r]][r - firstRow[owner[r]]], position[r], wte, wpe, c, config.vocabSize());
        }
        int[] loraGroups = lora == null ? null : loraGroups(firstRow);
        Attention.CachedHeads shape = new Attention.CachedHeads(c, headDim, (float) (1.0 / Math.sqrt(headDim)));
        int scoreRoom = longest;
        for (int l = 0; l < config.layers(); l++) {
            BlockWeights w = weights.blocks.get(l);
            int layer = l;
            LayerNorm.forward(s.norm, s.mean, s.rstd, x, w.ln1Weight.data(), w.ln1Bias.data(), rows, c, eps);
            project(s.qkv, s.norm, w.qkvWeight, w.qkvBias, rows, c, 3 * c);
            if (lora != null) {
                loraInference(l, Projection.QKV, s.qkv, s.norm, loraGroups);
            }
            // Rows write their own positions: in parallel, as each key lands on a cache line of its own.
            Parallel.forEach(0, rows, r -> caches[owner[r]].put(layer, position[r], s.qkv, r * 3 * c + c, r * 3 * c + 2 * c));
            float[] qkv = s.qkv;
            float[] attention = s.attention;
            Parallel.RangeBody attend = (from, to) -> {
                float[] scores = new float[scoreRoom];
                for (int task = from; task < to; task++) {
                    int r = task / heads;
                    KvCache cache = caches[owner[r]];
                    Attention.attendCached(shape, qkv, r, task % heads, cache.keys[layer], cache.allocatedPositions(),
                            cache.values[layer], position[r] + 1, scores, attention);
                }
            };
            // A single new token over a short prefix is less work than handing it to another thread.
            if (attentionWork < PARALLEL_ATTENTION_WORK) {
                attend.run(0, rows * heads);
            } else {
                Parallel.forChunks(0, rows * heads, attend);
            }
            project(s.projection, attention, w.attnProjWeight, w.attnProjBias, rows, c, c);
            if (lora != null) {
                loraInference(l, Projection.ATTENTION_OUT, s.projection, attention, loraGroups);
            }
            VectorMath.add(s.projection, 0, x, 0, rows * c);
            LayerNorm.forward(s.norm, s.mean, s.rstd, x, w.ln2Weight.data(), w.ln2Bias.data(), rows, c, eps);
            project(s.fc, s.norm, w.fcWeight, w.fcBias, rows, c, 4 * c);
            if (lora != null) {
                loraInference(l, Projection.FC, s.fc, s.norm, loraGroups);
            }
            Gelu.forwardRows(s.fcGelu, s.fc, rows, 4 * c);
            project(s.projection, s.fcGelu, w.fcProjWeight, w.fcProjBias, rows, 4 * c, c);
            if (lora != null) {
                loraInference(l, Projection.FC_OUT, s.projection, s.fcGelu, loraGroups);
            }
            VectorMath.add(s.projection, 0, x, 0, rows * c);
        }
        for (int i = 0; i < batch; i++) {
            caches[i].advance(newTokens[i].length);
            System.arraycopy(x, (firstRow[i + 1] - 1) * c, s.last, i * c, c);
        }
        LayerNorm.forward(s.lastNorm, s.mean, s.rstd, s.last, weights.finalNormWeight.data(), weights.finalNormBias.data(), batch, c, eps);
        int vocab = config.vocabSize();
        float[] logits = new float[batch * vocab];
        head(logits, s.lastNorm, batch);
        if (batch == 1) {
            return new float[][] {logits};
        }
        float[][] perSequence = new float[batch][];
        for (int i = 0; i < batch; i++) {
            perSequence[i] = Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
        }
        return perSequence;
    }

    /** {@code out[rows×outs] = in[rows×ins]·weight + bias} for inference: from the packed copy when there is one. */
    private void project(float[] out, float[] in, Parameter weight, Parameter bias, int rows, int ins, int outs) {
        float[] biasData = bias == null ? null : bias.data();
        if (inference == null) {
            Linear.forward(out, in, weight.data(), biasData, rows, ins, outs);
            return;
        }
        inference.of(weight).multiply(out, in, rows);
        if (biasData != null) {
            for (int row = 0; row < rows; row++) {
                VectorMath.add(biasData, 0, out, row * outs, outs);
            }
        }
    }

    /** {@code logits[rows×V] = normed[rows×C]·headᵀ} for inference. */
    private void head(float[] logits, float[] normed, int rows) {
        if (inference == null) {
            Matmul.multiply(logits, 0, normed, 0, false, weights.head.data(), 0, true, rows, config.vocabSize(), config.embedDim(), false);
        } else {
            inference.of(weights.head).multiply(logits, normed, rows);
        }
    }
}
