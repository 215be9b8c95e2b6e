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
    private static final float ROUNDING_MAGIC = 12582912f; // 1.5·2^23: adding it rounds to an integer

    // The kernels' constants as vectors made once. Broadcasting them in the loops cost C2 enough
    // parse nodes that it stopped inlining before the end of geluBackward's body and boxed its
    // vectors (9 ms instead of 2.5 ms per nano step); the values, and so the results, are the same.
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector TWO = FloatVector.broadcast(S, 2f);
    private static final FloatVector HALF = FloatVector.broadcast(S, 0.5f);
    private static final FloatVector GELU_SCALE_V = FloatVector.broadcast(S, GELU_SCALE);
    private static final FloatVector GELU_CUBIC = FloatVector.broadcast(S, 0.044715f);
    private static final FloatVector GELU_CUBIC_3 = FloatVector.broadcast(S, 3f * 0.044715f);
    private static final FloatVector EXP_MIN = FloatVector.broadcast(S, -86.5f);
    private static final FloatVector EXP_MAX = FloatVector.broadcast(S, 88.3f);
    private static final FloatVector LOG2E_V = FloatVector.broadcast(S, 1.44269504088896341f);
    private static final FloatVector MAGIC_V = FloatVector.broadcast(S, ROUNDING_MAGIC);
    private static final IntVector MAGIC_BITS = IntVector.broadcast(S.vectorShape().withLanes(int.class), Float.floatToRawIntBits(ROUNDING_MAGIC));
    private static final FloatVector MINUS_LN2_HIGH = FloatVector.broadcast(S, -0.693359375f);
    private static final FloatVector MINUS_LN2_LOW = FloatVector.broadcast(S, 2.12194440e-4f);
    // Cephes expf's polynomial for e^r, highest degree first
    private static final FloatVector EXP_P0 = FloatVector.broadcast(S, 1.9875691500e-4f);
    private static final FloatVector EXP_P1 = FloatVector.broadcast(S, 1.3981999507e-3f);
    private static final FloatVector EXP_P2 = FloatVector.broadcast(S, 8.3334519073e-3f);
    private static final FloatVector EXP_P3 = FloatVector.broadcast(S, 4.1665795894e-2f);
    private static final FloatVector EXP_P4 = FloatVector.broadcast(S, 1.6666665459e-1f);
    private static final FloatVector EXP_P5 = FloatVector.broadcast(S, 5.0000001201e-1f);

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

    /**
     * {@code out[outAt + i] = Σ_j weights[weightsAt + j] · rows[rowsAt + j·stride + i]} for i < n, j <
     * count: a weighted sum of {@code count} rows {@code stride} apart, each output one in-order FMA
     * chain over j. Four vectors of outputs at a time, so four chains hide each other's latency; the
     * outputs past the last whole block are the last four vectors again, overlapping the block before
     * (the same chains, so the same bits), not a chain at a time. {@code out} must not overlap the
     * inputs. (Attention over the KV cache: a query's scores over keys stored channel-major, and the
     * weighted sum of the values.)
     */
    public static void weightedRows(float[] out, int outAt, float[] weights, int weightsAt, float[] rows, int rowsAt,
                                    int stride, int count, int n) {
        int lanes = S.length();
        int block = 4 * lanes;
        if (n >= block) {
            for (int i = 0; ; i += block) {
                int from = Math.min(i, n - block);
                weightedBlock(out, outAt + from, weights, weightsAt, rows, rowsAt + from, stride, count);
                if (from == n - block) return;
            }
        }
        int i = 0;
        for (; i + lanes <= n; i += lanes) {
            weightedVector(out, outAt + i, weights, weightsAt, rows, rowsAt + i, stride, count);
        }
        if (i < n && n >= lanes) {
            weightedVector(out, outAt + n - lanes, weights, weightsAt, rows, rowsAt + n - lanes, stride, count);
            return;
        }
        for (; i < n; i++) {
            float sum = 0f;
            for (int j = 0, at = rowsAt + i; j < count; j++, at += stride) {
                sum = Math.fma(rows[at], weights[weightsAt + j], sum);
            }
            out[outAt + i] = sum;
        }
    }

    /** {@link #weightedRows}' four vectors of outputs from {@code outAt}. */
    private static void weightedBlock(float[] out, int outAt, float[] weights, int weightsAt, float[] rows, int rowsAt,
                                      int stride, int count) {
        int lanes = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        for (int j = 0, at = rowsAt; j < count; j++, at += stride) {
            FloatVector w = FloatVector.broadcast(S, weights[weightsAt + j]);
            a0 = FloatVector.fromArray(S, rows, at).fma(w, a0);
            a1 = FloatVector.fromArray(S, rows, at + lanes).fma(w, a1);
            a2 = FloatVector.fromArray(S, rows, at + 2 * lanes).fma(w, a2);
            a3 = FloatVector.fromArray(S, rows, at + 3 * lanes).fma(w, a3);
        }
        a0.intoArray(out, outAt);
        a1.intoArray(out, outAt + lanes);
        a2.intoArray(out, outAt + 2 * lanes);
        a3.intoArray(out, outAt + 3 * lanes);
    }

    /** {@link #weightedRows}' one vector of outputs from {@code outAt}. */
    private static void weightedVector(float[] out, int outAt, float[] weights, int weightsAt, float[] rows, int rowsAt,
                                       int stride, int count) {
        FloatVector a = FloatVector.zero(S);
        for (int j = 0, at = rowsAt; j < count; j++, at += stride) {
            a = FloatVector.fromArray(S, rows, at).fma(FloatVector.broadcast(S, weights[weightsAt + j]), a);
        }
        a.intoArray(out, outAt);
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

    /** Σ exp(x[i] − shift), leaving x as it is (a softmax denominator over logits that stay). */
    public static float sumExpShifted(float[] x, int offset, int n, float shift) {
        int lanes = S.length();
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        int i = 0;
        for (; i + 2 * lanes <= n; i += 2 * lanes) {
            a0 = a0.add(exp(FloatVector.fromArray(S, x, offset + i).sub(shift)));
            a1 = a1.add(exp(FloatVector.fromArray(S, x, offset + i + lanes).sub(shift)));
        }
        for (; i + lanes <= n; i += lanes) {
            a0 = a0.add(exp(FloatVector.fromArray(S, x, offset + i).sub(shift)));
        }
        float sum = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += (float) Math.exp(x[offset + i] - shift);
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
        FloatVector clamped = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = clamped.fma(LOG2E_V, MAGIC_V); // n + magic: rounds x·log2(e) to an integer
        FloatVector n = t.sub(MAGIC_V);
        FloatVector r = n.fma(MINUS_LN2_HIGH, clamped);
        r = n.fma(MINUS_LN2_LOW, r);
        FloatVector p = EXP_P0.fma(r, EXP_P1).fma(r, EXP_P2).fma(r, EXP_P3).fma(r, EXP_P4).fma(r, EXP_P5);
        p = p.fma(r.mul(r), r).add(ONE);
        IntVector exponent = t.reinterpretAsInts().sub(MAGIC_BITS).lanewise(VectorOperators.LSHL, 23);
        return p.reinterpretAsInts().add(exponent).reinterpretAsFloats();
    }

    /** tanh(u) = 1 − 2/(e^{2u} + 1), on {@link #exp}, so it too is the same in every JIT tier. */
    static FloatVector tanh(FloatVector u) {
        return ONE.sub(TWO.div(exp(u.mul(TWO)).add(ONE)));
    }

    /** The argument of GPT-2's GELU's tanh: √(2/π)·(x + 0.044715·x³). */
    private static FloatVector geluInner(FloatVector v) {
        return v.mul(v).mul(v).mul(GELU_CUBIC).add(v).mul(GELU_SCALE_V);
    }

    /** out[i] = GELU(x[i]) with GPT-2's tanh approximation. */
    public static void gelu(float[] x, int xOffset, float[] out, int outOffset, int n) {
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xOffset + i);
            v.mul(HALF).mul(tanh(geluInner(v)).add(ONE)).intoArray(out, outOffset + i);
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
            FloatVector tanh = tanh(v2.mul(v).mul(GELU_CUBIC).add(v).mul(GELU_SCALE_V));
            FloatVector sech2 = ONE.sub(tanh.mul(tanh));
            FloatVector innerGrad = v2.mul(GELU_CUBIC_3).add(ONE).mul(GELU_SCALE_V);
            FloatVector grad = tanh.add(ONE).mul(HALF).add(v.mul(HALF).mul(sech2).mul(innerGrad));
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

    /** Σ (x[i] − mean)², the numerator of a LayerNorm row's variance. */
    public static float squaredDeviations(float[] x, int offset, int n, float mean) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int bound = S.loopBound(n); i < bound; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, x, offset + i).sub(mean);
            acc = d.fma(d, acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x[offset + i] - mean;
            sum += d * d;
        }
        return sum;
    }

    /**
     * LayerNorm's input gradient for one row, added into {@code dx}: with x̂ = (x − mean)·rstd and
     * g = weight·dy, dx[i] += (g[i] − mean(g) − x̂[i]·mean(g·x̂))·rstd.
     */
    public static void layerNormBackward(float[] dx, float[] dy, float[] x, int offset, float[] weight, float mean,
                                         float rstd, int n) {
        FloatVector gSum = FloatVector.zero(S);
        FloatVector gNormSum = FloatVector.zero(S);
        int i = 0;
        int bound = S.loopBound(n);
        for (; i < bound; i += S.length()) {
            FloatVector norm = FloatVector.fromArray(S, x, offset + i).sub(mean).mul(rstd);
            FloatVector g = FloatVector.fromArray(S, weight, i).mul(FloatVector.fromArray(S, dy, offset + i));
            gSum = gSum.add(g);
            gNormSum = g.fma(norm, gNormSum);
        }
        float gMean = gSum.reduceLanes(VectorOperators.ADD);
        float gNormMean = gNormSum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float g = weight[i] * dy[offset + i];
            gMean += g;
            gNormMean += g * ((x[offset + i] - mean) * rstd);
        }
        gMean /= n;
        gNormMean /= n;
        for (i = 0; i < bound; i += S.length()) {
            FloatVector norm = FloatVector.fromArray(S, x, offset + i).sub(mean).mul(rstd);
            FloatVector g = FloatVector.fromArray(S, weight, i).mul(FloatVector.fromArray(S, dy, offset + i));
            g.sub(gMean).sub(norm.mul(gNormMean)).mul(rstd).add(FloatVector.fromArray(S, dx, offset + i))
                    .intoArray(dx, offset + i);
        }
        for (; i < n; i++) {
            float norm = (x[offset + i] - mean) * rstd;
            dx[offset + i] += (weight[i] * dy[offset + i] - gMean - norm * gNormMean) * rstd;
        }
    }

    /**
     * One row's share of LayerNorm's parameter gradients over columns [from, to): dbias[i] += dy[i],
     * dweight[i] += (x[i] − mean)·rstd·dy[i] ({@code dy} and {@code x} at the row's {@code offset}).
     */
    public static void layerNormParameterGradients(float[] dweight, float[] dbias, float[] dy, float[] x, int offset,
                                                   float mean, float rstd, int from, int to) {
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector g = FloatVector.fromArray(S, dy, offset + i);
            g.add(FloatVector.fromArray(S, dbias, i)).intoArray(dbias, i);
            FloatVector.fromArray(S, x, offset + i).sub(mean).mul(rstd).mul(g).add(FloatVector.fromArray(S, dweight, i))
                    .intoArray(dweight, i);
        }
        for (; i < to; i++) {
            float g = dy[offset + i];
            dbias[i] += g;
            dweight[i] += (x[offset + i] - mean) * rstd * g;
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
