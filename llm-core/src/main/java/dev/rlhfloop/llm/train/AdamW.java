package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.io.SafeTensors;
import dev.rlhfloop.llm.io.TensorData;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.tensor.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, as in PyTorch. Following GPT-2/nanoGPT, decay applies to
 * every parameter with two or more dimensions (linear weights and both embeddings) and not to
 * biases or LayerNorm gains, unless the settings decay all parameters. Moments are kept per parameter by name; the state (moments and
 * step count) saves to and loads from a safetensors file, so a resumed run continues exactly.
 */
public final class AdamW {

    private static final int CHUNK = 1 << 14;
    private static final VectorSpecies<Float> S = dev.rlhfloop.llm.Engine.FLOATS;

    private final AdamWSettings settings;
    private final List<Parameter> parameters;
    private final Map<String, float[]> firstMoments = new LinkedHashMap<>();
    private final Map<String, float[]> secondMoments = new LinkedHashMap<>();
    private long step;

    public AdamW(List<Parameter> parameters, AdamWSettings settings) {
        this.parameters = List.copyOf(parameters);
        this.settings = settings;
        for (Parameter p : this.parameters) {
            firstMoments.put(p.name(), new float[p.size()]);
            secondMoments.put(p.name(), new float[p.size()]);
        }
    }

    public AdamWSettings settings() {
        return settings;
    }

    /** Updates taken so far. */
    public long step() {
        return step;
    }

    /** One update of every parameter from its gradient, at {@code learningRate}. Gradients are left as they are. */
    public void update(float learningRate) {
        update(learningRate, 1f);
    }

    /**
     * Clips the gradients' global norm to {@code maxGradNorm} (0 or less: no clipping) and updates,
     * the clipping done inside the update's pass ({@link #update(float, float)}); returns the norm
     * before clipping. The numbers are those of {@link GradientClipping#clip} followed by
     * {@link #update(float)}, without a pass over the gradients to scale them.
     */
    public double clipAndUpdate(float learningRate, double maxGradNorm) {
        double norm = GradientClipping.globalNorm(parameters);
        update(learningRate, maxGradNorm > 0 ? GradientClipping.factor(norm, maxGradNorm) : 1f);
        return norm;
    }

    /**
     * One update from every parameter's gradient times {@code gradientScale}, as if the gradients
     * had been scaled in place first (a clipping factor, {@link GradientClipping#factor}) but without
     * a pass of their own over them. Gradients are left as they are.
     */
    public void update(float learningRate, float gradientScale) {
        step++;
        float correction1 = (float) (1 - Math.pow(settings.beta1(), step));
        float correction2 = (float) (1 - Math.pow(settings.beta2(), step));
        for (Parameter p : parameters) {
            if (!p.hasGrad()) {
                continue;
            }
            float[] w = p.data();
            float[] g = p.grad();
            float[] m = firstMoments.get(p.name());
            float[] v = secondMoments.get(p.name());
            float decay = p.isMatrix() || settings.decayAllParameters() ? 1f - learningRate * settings.weightDecay() : 1f;
            int n = w.length;
            Parallel.forEach(0, (n + CHUNK - 1) / CHUNK, chunk ->
                    update(w, g, m, v, chunk * CHUNK, Math.min(n, (chunk + 1) * CHUNK), learningRate, decay, correction1, correction2,
                            gradientScale));
        }
    }

    private void update(float[] w, float[] g, float[] m, float[] v, int from, int to,
                        float learningRate, float decay, float correction1, float correction2, float gradientScale) {
        float beta1 = settings.beta1();
        float beta2 = settings.beta2();
        float eps = settings.epsilon();
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector grad = FloatVector.fromArray(S, g, i).mul(gradientScale);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(grad.mul(1 - beta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(grad.mul(grad).mul(1 - beta2));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector step = mi.div(correction1).div(vi.div(correction2).sqrt().add(eps)).mul(learningRate);
            FloatVector.fromArray(S, w, i).mul(decay).sub(step).intoArray(w, i);
        }
        for (; i < to; i++) {
            float grad = g[i] * gradientScale;
            float mi = beta1 * m[i] + (1 - beta1) * grad;
            float vi = beta2 * v[i] + (1 - beta2) * grad * grad;
            m[i] = mi;
            v[i] = vi;
            w[i] = w[i] * decay - learningRate * (mi / correction1) / ((float) Math.sqrt(vi / correction2) + eps);
        }
    }

    /** The state as named tensors ({@code m.NAME}, {@code v.NAME}) plus the step count. */
    public Map<String, TensorData> stateTensors() {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            tensors.put("m." + p.name(), new TensorData(p.shape(), firstMoments.get(p.name())));
            tensors.put("v." + p.name(), new TensorData(p.shape(), secondMoments.get(p.name())));
        }
        return tensors;
    }

    public void save(Path file) throws IOException {
        SafeTensors.write(file, stateTensors(), Map.of("step", Long.toString(step), "optimizer", "adamw"));
    }

    /** Restores moments and step count written by {@link #save} for the same parameters. */
    public void load(Path file) throws IOException {
        Map<String, TensorData> tensors = SafeTensors.read(file);
        for (Parameter p : parameters) {
            copy(tensors, "m." + p.name(), firstMoments.get(p.name()), file);
            copy(tensors, "v." + p.name(), secondMoments.get(p.name()), file);
        }
        String saved = SafeTensors.readMetadata(file).get("step");
        if (saved == null) {
            throw new IOException(file + ": no step count in the optimizer state");
        }
        step = Long.parseLong(saved);
    }

    private static void copy(Map<String, TensorData> tensors, String name, float[] into, Path file) throws IOException {
        TensorData t = tensors.get(name);
        if (t == null || t.data().length != into.length) {
            throw new IOException(file + ": optimizer state " + name + (t == null ? " is missing" : " has the wrong size"));
        }
        System.arraycopy(t.data(), 0, into, 0, into.length);
    }
}
