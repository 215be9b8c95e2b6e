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
        double[] estimate = elo(fit(pairs), anchor);
        double[][] samples = new double[n][settings.bootstrapRounds()];
        Random random = new Random(settings.seed());
        for (int round = 0; round < settings.bootstrapRounds(); round++) {
            double[] resampled = elo(fit(resample(random)), anchor);
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
     * Log-strengths maximising the likelihood (plus the virtual ties), by the minorise–maximise
     * iteration of Hunter (2004): each step raises the likelihood and keeps the strengths positive.
     */
    double[] fit(List<Pair> votes) {
        int n = versions.size();
        double prior = settings.priorGames();
        double[] wins = new double[n];
        for (Pair p : votes) {
            wins[p.a()] += p.winsA() + p.ties() / 2.0;
            wins[p.b()] += p.winsB() + p.ties() / 2.0;
        }
        double[] strength = new double[n];
        Arrays.fill(strength, 1);
        for (int iteration = 0; iteration < 100_000; iteration++) {
            double[] denominator = new double[n];
            for (int i = 0; i < n; i++) denominator[i] = prior / (strength[i] + 1);
            for (Pair p : votes) {
                double share = p.games() / (strength[p.a()] + strength[p.b()]);
                denominator[p.a()] += share;
                denominator[p.b()] += share;
            }
            double change = 0;
            for (int i = 0; i < n; i++) {
                double next = (wins[i] + prior / 2) / denominator[i];
                change = Math.max(change, Math.abs(Math.log(next / strength[i])));
                strength[i] = next;
            }
            if (change < 1e-10) break;
        }
        double[] theta = new double[n];
        for (int i = 0; i < n; i++) theta[i] = Math.log(strength[i]);
        return theta;
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
