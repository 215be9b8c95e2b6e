package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.api.RaterQuality;
import dev.rlhfloop.contracts.api.Stats;
import java.util.Comparator;
import java.util.List;

/** The {@code raterQuality} part of {@code GET /api/stats}, from {@link RaterQualityStats}. */
public final class RaterQualityReport {
    private RaterQualityReport() {}

    public static RaterQuality of(RaterQualityStats stats) {
        List<RaterQuality.GoldAccuracy> gold = stats.gold().entrySet().stream()
                .map(e -> {
                    WilsonInterval w = WilsonInterval.of(e.getValue().correct(), e.getValue().votes());
                    return new RaterQuality.GoldAccuracy(e.getKey(), e.getValue().votes(), e.getValue().correct(),
                            new Stats.WinRate(w.successes(), w.trials(), w.rate(), w.low(), w.high()));
                })
                .toList();
        List<RaterQuality.PairAgreement> pairs = stats.pairs().stream()
                .sorted(Comparator.comparing(RaterQualityStats.PairConfusion::raterA).thenComparing(RaterQualityStats.PairConfusion::raterB))
                .map(p -> new RaterQuality.PairAgreement(p.raterA(), p.raterB(), p.choices().total(), p.choices().agreed(), p.choices().kappa()))
                .toList();
        RaterQualityStats.Confusion all = stats.overall();
        List<RaterQuality.Reliability> reliability = stats.reliability().stream()
                .map(r -> new RaterQuality.Reliability(r.rater(), r.checks(), r.passed(), r.reliability(), r.weight()))
                .toList();
        return new RaterQuality(gold, new RaterQuality.Agreement(all.total(), all.agreed(), all.kappa(), pairs), reliability);
    }
}
