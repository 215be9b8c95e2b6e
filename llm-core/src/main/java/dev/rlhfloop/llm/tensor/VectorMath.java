package dev.rlhfloop.llm.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise and reduction kernels of the model (everything but the matrix product), on
 * {@link dev.rlhfloop.llm.Engine#FLOATS}: whatever lane count the CPU offers, never hard-coded.
 * Each has a plain scalar twin in the tests. Only operations whose results are exactly specified
 * are used (no Vector API transcendental functions, whose bits differ between JIT tiers), so a
 * computation gives the same bits every time on a given CPU.
 */
public final class VectorMath {

    private static final VectorSpecies<Float> S = dev.rlhfloop.llm.Engine.FLOATS;
    private static final float GELU_SCALE = (float) Math.sqrt(2.0 / Math.PI);
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    private static final float[] EXP_POLYNOMIAL = {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
    private static final float ROUNDING_MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer

    private VectorMath() {}

    /** Σ a[i]·b[i]. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = FloatVector.fromArray(S, a, aOffset + i).fma(FloatVector.fromArray(S, b, bOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    /** y[i] += alpha·x[i]. */
    public static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOffset + i).fma(va, FloatVector.fromArray(S, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += alpha * x[xOffset + i];
        }
    }

    /** y[i] += x[i]. */
    public static void add(float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOffset + i).add(FloatVector.fromArray(S, y, yOffset + i)).intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] += x[xOffset + i];
        }
    }

    /** x[i] *= factor. */
    public static void scale(float[] x, int offset, int n, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, offset + i).mul(factor).intoArray(x, offset + i);
        }
        for (; i < n; i++) {
            x[offset + i] *= factor;
        }
    }

    public static float sum(float[] x, int offset, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, x, offset + i));
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[offset + i];
        }
        return sum;
    }

    public static float max(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= S.length()) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int bound = S.loopBound(n); i < bound; i += S.length()) {
                acc = acc.max(FloatVector.fromArray(S, x, offset + i));
            }
            max = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        return max;
    }

    /** x[i] = exp(x[i] − shift); returns Σ x[i] afterwards (the softmax denominator). */
    public static float expShifted(float[] x, int offset, int n, float shift) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector e = exp(FloatVector.fromArray(S, x, offset + i).sub(shift));
            e.intoArray(x, offset + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[offset + i] - shift);
            x[offset + i] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * e^x from IEEE-exact operations only (fma, add, mul, integer bit arithmetic), after Cephes'
     * expf: x = n·ln2 + r, a degree-6 polynomial for e^r, then 2^n in the exponent bits. The
     * Vector API's own EXP differs in its last bits between the interpreter and compiled code,
     * which would make training depend on JIT timing; this gives the same bits in every tier.
     * Inputs are clamped to [−86.5, 88.3] (results stay normal floats); error ≤ 2 ulp.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector clamped = x.max(-86.5f).min(88.3f);
        FloatVector t = clamped.fma(LOG2E, ROUNDING_MAGIC); // n + magic: rounds x·log2(e) to an integer
        FloatVector n = t.sub(ROUNDING_MAGIC);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HIGH), clamped);
        r = n.fma(FloatVector.broadcast(S, -LN2_LOW), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        for (float coefficient : EXP_POLYNOMIAL) {
            p = p.fma(r, FloatVector.broadcast(S, coefficient));
        }
        p = p.fma(r.mul(r), r).add(1f);
        IntVector exponent = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUNDING_MAGIC)).lanewise(VectorOperators.LSHL, 23);
        return p.reinterpretAsInts().add(exponent).reinterpretAsFloats();
    }

    /** tanh(u) = 1 − 2/(e^{2u} + 1), on {@link #exp}, so it too is the same in every JIT tier. */
    static FloatVector tanh(FloatVector u) {
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(u.mul(2f)).add(1f)));
    }

    /** out[i] = GELU(x[i]) with GPT-2's tanh approximation. */
    public static void gelu(float[] x, int xOffset, float[] out, int outOffset, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOffset + i);
            FloatVector inner = v.mul(v).mul(v).mul(0.044715f).add(v).mul(GELU_SCALE);
            v.mul(0.5f).mul(tanh(inner).add(1f)).intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            float v = x[xOffset + i];
            float inner = GELU_SCALE * (v + 0.044715f * v * v * v);
            out[outOffset + i] = 0.5f * v * (1f + (float) Math.tanh(inner));
        }
    }

    /** dx[i] = GELU'(x[i])·dout[i]; {@code dx} may be {@code dout}. */
    public static void geluBackward(float[] x, int xOffset, float[] dout, int doutOffset, float[] dx, int dxOffset, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOffset + i);
            FloatVector v2 = v.mul(v);
            FloatVector tanh = tanh(v2.mul(v).mul(0.044715f).add(v).mul(GELU_SCALE));
            FloatVector sech2 = tanh.mul(tanh).neg().add(1f);
            FloatVector innerGrad = v2.mul(3f * 0.044715f).add(1f).mul(GELU_SCALE);
            FloatVector grad = tanh.add(1f).mul(0.5f).add(v.mul(0.5f).mul(sech2).mul(innerGrad));
            grad.mul(FloatVector.fromArray(S, dout, doutOffset + i)).intoArray(dx, dxOffset + i);
        }
        for (; i < n; i++) {
            float v = x[xOffset + i];
            float tanh = (float) Math.tanh(GELU_SCALE * (v + 0.044715f * v * v * v));
            float sech2 = 1f - tanh * tanh;
            float grad = 0.5f * (1f + tanh) + 0.5f * v * sech2 * GELU_SCALE * (1f + 3f * 0.044715f * v * v);
            dx[dxOffset + i] = grad * dout[doutOffset + i];
        }
    }

    /** Softmax backward in place: d[i] = p[i]·(d[i] − dot)·factor, where dot = Σ p·d of the row. */
    public static void softmaxBackward(float[] p, float[] d, int offset, int n, float dot, float factor) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector.fromArray(S, d, offset + i).sub(dot).mul(FloatVector.fromArray(S, p, offset + i)).mul(factor)
                    .intoArray(d, offset + i);
        }
        for (; i < n; i++) {
            d[offset + i] = p[offset + i] * (d[offset + i] - dot) * factor;
        }
    }

    /** out[i] = (x[i] − mean)·rstd·weight[i] + bias[i]. */
    public static void normalize(float[] x, int xOffset, float mean, float rstd, float[] weight, float[] bias,
                                 float[] out, int outOffset, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOffset + i).sub(mean).mul(rstd);
            v.fma(FloatVector.fromArray(S, weight, i), FloatVector.fromArray(S, bias, i)).intoArray(out, outOffset + i);
        }
        for (; i < n; i++) {
            out[outOffset + i] = (x[xOffset + i] - mean) * rstd * weight[i] + bias[i];
        }
    }
}
