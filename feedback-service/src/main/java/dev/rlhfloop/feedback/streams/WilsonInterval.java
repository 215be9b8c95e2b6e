package dev.rlhfloop.feedback.streams;

/**
 * A 95% Wilson score interval for a success rate: unlike the normal approximation it stays inside
 * [0, 1] and is honest about small samples, which is all a live vote count ever is.
 */
public record WilsonInterval(long successes, long trials, double rate, double low, double high) {
    private static final double Z95 = 1.959963984540054;

    public static WilsonInterval of(long successes, long trials) {
        if (trials < 0 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException("need 0 <= successes <= trials, got " + successes + " of " + trials);
        }
        if (trials == 0) return new WilsonInterval(0, 0, Double.NaN, 0, 1);
        double n = trials;
        double p = successes / n;
        double z2 = Z95 * Z95;
        double denominator = 1 + z2 / n;
        double center = (p + z2 / (2 * n)) / denominator;
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
        return new WilsonInterval(successes, trials, p, Math.max(0, center - half), Math.min(1, center + half));
    }
}
