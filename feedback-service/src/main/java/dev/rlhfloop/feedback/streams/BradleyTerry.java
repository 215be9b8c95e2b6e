package dev.rlhfloop.feedback.streams;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * Leaderboard ratings as Chatbot Arena computes them: a Bradley–Terry model fitted by maximum
 * likelihood to every vote between two different versions, on the Elo scale (400 points = 10:1
 * odds), with 95% intervals from a bootstrap over the votes. A tie or a both-bad vote counts as half
 * a win for each side. Each version also plays one virtual tie against a fixed reference: without
 * it a version that never lost would have an infinite rating (the likelihood has no maximum).
 * Refits start from the point estimate, so the bootstrap costs a few Newton steps per round.
 */
public final class BradleyTerry {
    public static final double ANCHOR_RATING = 1000;
    static final double ELO_SCALE = 400 / Math.log(10);

    /**
     * @param rating the point estimate; the anchor version (the SFT baseline) is at 1000
     * @param low   2.5th percentile of the bootstrap ratings
     * @param high  97.5th percentile
     * @param games votes between this version and another one
     */
    public record Rating(String version, double rating, double low, double high, long games) {}

    /** Votes between versions {@code a} and {@code b}: wins of each side and ties (both-bad included). */
    record Pair(int a, int b, long winsA, long winsB, long ties) {
        long games() {
            return winsA + winsB + ties;
        }
    }

    public record Settings(int bootstrapRounds, double priorGames, long seed) {
        public static final Settings DEFAULTS = new Settings(200, 1, 42);
    }

    private final List<String> versions;
    private final List<Pair> pairs;
    private final Settings settings;

    private BradleyTerry(List<String> versions, List<Pair> pairs, Settings settings) {
        this.versions = versions;
        this.pairs = pairs;
        this.settings = settings;
    }

    /**
     * The ratings of every version that was compared with another version, best first.
     *
     * @param anchor the version placed at 1000 (the SFT baseline); when null or unrated, the mean is 1000
     */
    public static List<Rating> ratings(Map<String, VersionStats> statsByVersion, String anchor, Settings settings) {
        return of(statsByVersion, settings).ratings(anchor);
    }

    static BradleyTerry of(Map<String, VersionStats> statsByVersion, Settings settings) {
        TreeSet<String> names = new TreeSet<>();
        statsByVersion.forEach((version, stats) -> stats.against().keySet().stream()
                .filter(opponent -> !opponent.equals(version))
                .forEach(opponent -> {
                    names.add(version);
                    names.add(opponent);
                }));
        List<String> versions = new ArrayList<>(names);
        // Each vote is in both versions' statistics: read every pair from its first version's side.
        Map<String, Pair> pairs = new LinkedHashMap<>();
        statsByVersion.forEach((version, stats) -> stats.against().forEach((opponent, h) -> {
            if (opponent.equals(version)) return;
            boolean first = version.compareTo(opponent) < 0;
            String key = first ? version + "\n" + opponent : opponent + "\n" + version;
            if (pairs.containsKey(key) && !first) return;
            int a = versions.indexOf(first ? version : opponent);
            int b = versions.indexOf(first ? opponent : version);
            long ties = h.ties() + h.bothBad();
            pairs.put(key, first ? new Pair(a, b, h.wins(), h.losses(), ties) : new Pair(a, b, h.losses(), h.wins(), ties));
        }));
        return new BradleyTerry(versions, List.copyOf(pairs.values()), settings);
    }

    List<Pair> pairs() {
        return pairs;
    }

    List<Rating> ratings(String anchor) {
        int n = versions.size();
        if (n == 0) return List.of();
        double[] theta = fit(pairs);
        double[] estimate = elo(theta, anchor);
        double[][] samples = new double[n][settings.bootstrapRounds()];
        Random random = new Random(settings.seed());
        for (int round = 0; round < settings.bootstrapRounds(); round++) {
            double[] resampled = elo(fit(resample(random), theta), anchor);
            for (int i = 0; i < n; i++) samples[i][round] = resampled[i];
        }
        long[] games = new long[n];
        for (Pair p : pairs) {
            games[p.a()] += p.games();
            games[p.b()] += p.games();
        }
        List<Rating> ratings = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] sorted = samples[i].clone();
            Arrays.sort(sorted);
            double low = sorted.length == 0 ? estimate[i] : percentile(sorted, 0.025);
            double high = sorted.length == 0 ? estimate[i] : percentile(sorted, 0.975);
            ratings.add(new Rating(versions.get(i), estimate[i], low, high, games[i]));
        }
        ratings.sort((x, y) -> Double.compare(y.rating(), x.rating()));
        return ratings;
    }

    /**
     * Log-strengths maximising the likelihood (plus the virtual ties) by Newton's method from
     * {@code start}. The log-likelihood is concave and its negated Hessian is a weighted graph
     * Laplacian plus the virtual ties' diagonal, so each step is a conjugate-gradient solve costing a
     * few passes over the pairs; a step is capped so a version that never lost cannot overshoot.
     */
    double[] fit(List<Pair> votes, double[] start) {
        int n = versions.size();
        double prior = settings.priorGames();
        double[] points = new double[n];
        for (Pair p : votes) {
            points[p.a()] += p.winsA() + p.ties() / 2.0;
            points[p.b()] += p.winsB() + p.ties() / 2.0;
        }
        double[] theta = start.clone();
        for (int iteration = 0; iteration < 200; iteration++) {
            double[] gradient = new double[n];
            double[] diagonal = new double[n];
            double[] weight = new double[votes.size()];
            for (int i = 0; i < n; i++) {
                double s = sigmoid(theta[i]);
                gradient[i] = points[i] + prior / 2 - prior * s;
                diagonal[i] = prior * s * (1 - s);
            }
            for (int k = 0; k < votes.size(); k++) {
                Pair p = votes.get(k);
                double sa = sigmoid(theta[p.a()] - theta[p.b()]);
                gradient[p.a()] -= p.games() * sa;
                gradient[p.b()] -= p.games() * (1 - sa);
                weight[k] = p.games() * sa * (1 - sa);
            }
            double[] step = solve(votes, weight, diagonal, gradient);
            double largest = Arrays.stream(step).map(Math::abs).max().orElse(0);
            double scale = largest > 2 ? 2 / largest : 1;
            for (int i = 0; i < n; i++) theta[i] += scale * step[i];
            if (largest < 1e-10) break;
        }
        return theta;
    }

    double[] fit(List<Pair> votes) {
        return fit(votes, new double[versions.size()]);
    }

    /** Solves (Laplacian(weight) + diag(diagonal)) x = b by Jacobi-preconditioned conjugate gradients. */
    private static double[] solve(List<Pair> votes, double[] weight, double[] diagonal, double[] b) {
        int n = b.length;
        double[] jacobi = diagonal.clone();
        for (int k = 0; k < votes.size(); k++) {
            jacobi[votes.get(k).a()] += weight[k];
            jacobi[votes.get(k).b()] += weight[k];
        }
        double[] x = new double[n];
        double[] r = b.clone();
        double[] z = new double[n];
        for (int i = 0; i < n; i++) z[i] = jacobi[i] > 0 ? r[i] / jacobi[i] : r[i];
        double[] d = z.clone();
        double rz = dot(r, z);
        double tolerance = 1e-16 * Math.max(1, dot(b, b)); // Newton needs no exact solve
        for (int iteration = 0; iteration < 10 * n + 10 && dot(r, r) > tolerance; iteration++) {
            double[] ad = new double[n];
            for (int i = 0; i < n; i++) ad[i] = diagonal[i] * d[i];
            for (int k = 0; k < votes.size(); k++) {
                Pair p = votes.get(k);
                double flow = weight[k] * (d[p.a()] - d[p.b()]);
                ad[p.a()] += flow;
                ad[p.b()] -= flow;
            }
            double curvature = dot(d, ad);
            if (curvature <= 0) break;
            double alpha = rz / curvature;
            for (int i = 0; i < n; i++) {
                x[i] += alpha * d[i];
                r[i] -= alpha * ad[i];
            }
            for (int i = 0; i < n; i++) z[i] = jacobi[i] > 0 ? r[i] / jacobi[i] : r[i];
            double next = dot(r, z);
            for (int i = 0; i < n; i++) d[i] = z[i] + next / rz * d[i];
            rz = next;
        }
        return x;
    }

    private static double dot(double[] u, double[] v) {
        double sum = 0;
        for (int i = 0; i < u.length; i++) sum += u[i] * v[i];
        return sum;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private double[] elo(double[] theta, String anchor) {
        int anchorIndex = anchor == null ? -1 : versions.indexOf(anchor);
        double zero = anchorIndex >= 0 ? theta[anchorIndex] : Arrays.stream(theta).average().orElse(0);
        double[] elo = new double[theta.length];
        for (int i = 0; i < theta.length; i++) elo[i] = ANCHOR_RATING + ELO_SCALE * (theta[i] - zero);
        return elo;
    }

    /**
     * The same number of votes drawn with replacement from the observed ones: a multinomial draw
     * over the (pair, outcome) cells, one conditional binomial per cell.
     */
    private List<Pair> resample(Random random) {
        long remaining = pairs.stream().mapToLong(Pair::games).sum();
        long left = remaining;
        List<Pair> drawn = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            long[] cells = {p.winsA(), p.winsB(), p.ties()};
            long[] counts = new long[3];
            for (int c = 0; c < 3; c++) {
                counts[c] = binomial(random, left, remaining == 0 ? 0 : (double) cells[c] / remaining);
                left -= counts[c];
                remaining -= cells[c];
            }
            drawn.add(new Pair(p.a(), p.b(), counts[0], counts[1], counts[2]));
        }
        return drawn;
    }

    /**
     * A binomial draw: exact (by geometric gaps between successes, so it costs the number of
     * successes, not of trials) while the variance is small; the normal approximation, well within
     * bootstrap noise, beyond.
     */
    static long binomial(Random random, long trials, double p) {
        if (trials <= 0 || p <= 0) return 0;
        if (p >= 1) return trials;
        if (p > 0.5) return trials - binomial(random, trials, 1 - p);
        double variance = trials * p * (1 - p);
        if (variance >= 25) {
            long draw = Math.round(trials * p + Math.sqrt(variance) * random.nextGaussian());
            return Math.max(0, Math.min(trials, draw));
        }
        double logFailure = Math.log1p(-p);
        long successes = 0;
        long position = 0;
        while (true) {
            position += (long) Math.floor(Math.log(1 - random.nextDouble()) / logFailure) + 1;
            if (position > trials) return successes;
            successes++;
        }
    }

    private static double percentile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
