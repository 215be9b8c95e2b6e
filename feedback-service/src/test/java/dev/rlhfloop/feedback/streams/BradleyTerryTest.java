package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.feedback.streams.BradleyTerry.Rating;
import dev.rlhfloop.feedback.streams.BradleyTerry.Settings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BradleyTerryTest {
    private static final Settings NO_PRIOR = new Settings(0, 0, 1);
    /** 400 · log10(3): the Elo gap of a 3:1 record. */
    private static final double THREE_TO_ONE = 190.84850188786498;

    /** Both sides' statistics of every vote, as the stores hold them. */
    private static Map<String, VersionStats> votes(Object... matches) {
        Map<String, Map<String, HeadToHead>> against = new HashMap<>();
        for (int m = 0; m < matches.length; m += 5) {
            String a = (String) matches[m], b = (String) matches[m + 1];
            long winsA = (int) matches[m + 2], winsB = (int) matches[m + 3], ties = (int) matches[m + 4];
            against.computeIfAbsent(a, k -> new HashMap<>()).put(b, new HeadToHead(winsA, winsB, ties, 0));
            against.computeIfAbsent(b, k -> new HashMap<>()).put(a, new HeadToHead(winsB, winsA, ties, 0));
        }
        return against.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> new VersionStats(0, e.getValue())));
    }

    private static Map<String, Rating> byVersion(List<Rating> ratings) {
        return ratings.stream().collect(Collectors.toMap(Rating::version, Function.identity()));
    }

    @Test
    void aThreeToOneRecordIsA191PointGapAndAnUnlinkedEqualRecordNoGap() {
        Map<String, Rating> r = byVersion(BradleyTerry.ratings(votes("v1", "v2", 30, 10, 0, "v2", "v3", 20, 20, 0), "v1", NO_PRIOR));
        assertEquals(1000, r.get("v1").rating(), 1e-6);
        assertEquals(1000 - THREE_TO_ONE, r.get("v2").rating(), 1e-6);
        assertEquals(r.get("v2").rating(), r.get("v3").rating(), 1e-6);
        assertEquals(40, r.get("v1").games());
        assertEquals(80, r.get("v2").games());
    }

    @Test
    void aTieIsHalfAWinForEachSide() {
        // 10 wins + 10 ties: 15 points to 5, the same 3:1 odds.
        Map<String, Rating> r = byVersion(BradleyTerry.ratings(votes("v1", "v2", 10, 0, 10), "v2", NO_PRIOR));
        assertEquals(1000 + THREE_TO_ONE, r.get("v1").rating(), 1e-6);
    }

    @Test
    void aBalancedCycleRatesEveryoneTheSame() {
        List<Rating> ratings = BradleyTerry.ratings(votes("a", "b", 2, 1, 0, "b", "c", 2, 1, 0, "c", "a", 2, 1, 0), null, NO_PRIOR);
        ratings.forEach(r -> assertEquals(1000, r.rating(), 1e-6, r.toString()));
    }

    /**
     * The fitted strengths must zero the gradient of the log-likelihood with the virtual ties,
     * written out here independently of the fitting iteration: for each version,
     * points + prior/2 = Σ games·p_i/(p_i+p_j) + prior·p_i/(p_i+1).
     */
    @Test
    void theFitMaximisesTheLikelihoodWithTheVirtualTies() {
        Map<String, VersionStats> stats = votes("a", "b", 7, 2, 1, "b", "c", 3, 5, 2, "a", "c", 9, 0, 0, "c", "d", 4, 4, 0);
        BradleyTerry model = BradleyTerry.of(stats, Settings.DEFAULTS);
        double[] theta = model.fit(model.pairs());
        List<String> names = List.of("a", "b", "c", "d");
        double prior = Settings.DEFAULTS.priorGames();
        for (int i = 0; i < 4; i++) {
            double pi = Math.exp(theta[i]);
            double points = prior / 2, expected = prior * pi / (pi + 1);
            for (BradleyTerry.Pair p : model.pairs()) {
                if (p.a() != i && p.b() != i) continue;
                int j = p.a() == i ? p.b() : p.a();
                points += (p.a() == i ? p.winsA() : p.winsB()) + p.ties() / 2.0;
                expected += p.games() * pi / (pi + Math.exp(theta[j]));
            }
            assertEquals(points, expected, 1e-6, names.get(i));
        }
    }

    @Test
    void aVersionThatNeverLostStillGetsAFiniteRatingAboveTheOthers() {
        List<Rating> ratings = BradleyTerry.ratings(votes("v1", "v2", 12, 0, 0, "v2", "v3", 5, 5, 0), "v2", Settings.DEFAULTS);
        assertEquals("v1", ratings.get(0).version());
        assertTrue(Double.isFinite(ratings.get(0).rating()) && ratings.get(0).rating() > 1200, ratings.toString());
        assertTrue(ratings.get(0).high() < 2000, ratings.toString());
    }

    /**
     * 200 wins and 200 losses: the log-odds has standard error 1/sqrt(400 · 1/4) = 0.1, i.e. 17.4
     * Elo points, so the 95% interval of the version not anchored is about ±34 points.
     */
    @Test
    void theBootstrapIntervalHasTheWidthTheVoteCountImplies() {
        Map<String, Rating> r = byVersion(BradleyTerry.ratings(votes("v1", "v2", 200, 200, 0), "v1", new Settings(400, 0, 7)));
        Rating v2 = r.get("v2");
        assertEquals(1000, v2.rating(), 1e-6);
        assertTrue(v2.low() < 1000 && 1000 < v2.high(), v2.toString());
        double halfWidth = (v2.high() - v2.low()) / 2;
        assertTrue(halfWidth > 27 && halfWidth < 41, "half width " + halfWidth);
        assertEquals(1000, r.get("v1").low(), 1e-9, "the anchor is the fixed point of the scale");
    }

    @Test
    void binomialDrawsHaveTheRightMeanAndVariance() {
        Random random = new Random(3);
        for (double p : new double[] {0.001, 0.3, 0.9}) {
            for (long n : new long[] {50, 10_000}) {
                int draws = 4000;
                double sum = 0, sumSquares = 0;
                for (int d = 0; d < draws; d++) {
                    long x = BradleyTerry.binomial(random, n, p);
                    assertTrue(x >= 0 && x <= n);
                    sum += x;
                    sumSquares += (double) x * x;
                }
                double mean = sum / draws, variance = sumSquares / draws - mean * mean, expected = n * p * (1 - p);
                // The mean's standard error is sqrt(np(1-p)/4000): 6 of them is a 2e-9 chance.
                assertEquals(n * p, mean, 6 * Math.sqrt(expected / draws) + 1e-9, "mean n=" + n + " p=" + p);
                assertEquals(expected, variance, 0.15 * expected + 0.05, "variance n=" + n + " p=" + p);
            }
        }
    }
}
