package dev.rlhfloop.llm.model;

import java.util.Random;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite differences against an analytic gradient. The forward runs in float32, so the
 * step is large (1e-2) and each element passes if |analytic − numeric| ≤ rtol·|numeric| +
 * atol·max|numeric|; a gradient that is wrong in sign, scale or a single index fails.
 */
public final class GradCheck {

    static final double STEP = 1e-2;
    static final double RTOL = 2e-2;
    static final double ATOL = 2e-3;

    private GradCheck() {}

    /** Checks {@code analytic} = d loss / d values, perturbing every element (or {@code maxChecks} random ones). */
    public static void check(String what, float[] values, float[] analytic, DoubleSupplier loss, int maxChecks) {
        double worst = compare(values, analytic, loss, maxChecks);
        assertTrue(worst <= 1.0, what + ": finite-difference mismatch, worst error " + worst + "x the tolerance");
    }

    /** The worst element's error as a multiple of its tolerance (≤ 1 passes). */
    static double compare(float[] values, float[] analytic, DoubleSupplier loss, int maxChecks) {
        int n = values.length;
        int[] indices = new int[Math.min(n, maxChecks)];
        if (indices.length == n) {
            for (int i = 0; i < n; i++) {
                indices[i] = i;
            }
        } else {
            Random random = new Random(n);
            for (int i = 0; i < indices.length; i++) {
                indices[i] = random.nextInt(n);
            }
        }
        double[] numeric = new double[indices.length];
        double scale = 0;
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            float original = values[i];
            values[i] = (float) (original + STEP);
            double plus = loss.getAsDouble();
            values[i] = (float) (original - STEP);
            double minus = loss.getAsDouble();
            values[i] = original;
            numeric[k] = (plus - minus) / (2 * STEP);
            scale = Math.max(scale, Math.abs(numeric[k]));
        }
        double worst = 0;
        for (int k = 0; k < indices.length; k++) {
            double a = analytic[indices[k]];
            double tolerance = RTOL * Math.abs(numeric[k]) + ATOL * Math.max(scale, 1e-6);
            worst = Math.max(worst, Math.abs(a - numeric[k]) / tolerance);
        }
        return worst;
    }

    /** Σ out[i]·weights[i] in double: a scalar whose gradient with respect to {@code out} is {@code weights}. */
    static double project(float[] out, float[] weights) {
        double sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += (double) out[i] * weights[i];
        }
        return sum;
    }

    public static float[] randoms(Random random, int n, double scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextGaussian() * scale);
        }
        return values;
    }
}
