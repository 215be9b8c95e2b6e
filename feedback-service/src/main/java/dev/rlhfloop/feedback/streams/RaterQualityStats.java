package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.RaterReliability;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the votes said about the raters, under one key (like {@link VoteTotals}): gold votes per
 * rater, and the choices of every comparison two raters voted on, as confusion matrices of the four
 * choices — one over all such comparisons (first vote against second) and one per pair of raters
 * (the rater first in name order against the other).
 */
public record RaterQualityStats(Map<String, GoldCount> gold, Confusion overall, List<PairConfusion> pairs) {
    public static final RaterQualityStats NONE = new RaterQualityStats(Map.of(), Confusion.EMPTY, List.of());

    public RaterQualityStats {
        gold = gold == null ? Map.of() : Map.copyOf(gold);
        overall = overall == null ? Confusion.EMPTY : overall;
        pairs = pairs == null ? List.of() : List.copyOf(pairs);
    }

    public record GoldCount(long votes, long correct) {}

    /** Counts of (row choice, column choice), row-major over {@link Choice#values()}. */
    public record Confusion(List<Long> counts) {
        static final int K = Choice.values().length;
        public static final Confusion EMPTY = new Confusion(null);

        public Confusion {
            counts = counts == null ? java.util.Collections.nCopies(K * K, 0L) : List.copyOf(counts);
        }

        Confusion plus(Choice row, Choice column) {
            List<Long> next = new ArrayList<>(counts);
            int at = row.ordinal() * K + column.ordinal();
            next.set(at, next.get(at) + 1);
            return new Confusion(next);
        }

        public long total() {
            return counts.stream().mapToLong(Long::longValue).sum();
        }

        public long agreed() {
            long agreed = 0;
            for (int i = 0; i < K; i++) agreed += counts.get(i * K + i);
            return agreed;
        }

        /** Cohen's kappa: (observed agreement - chance agreement) / (1 - chance agreement); null while undefined. */
        public Double kappa() {
            double n = total();
            if (n == 0) return null;
            double chance = 0;
            for (int k = 0; k < K; k++) {
                long row = 0;
                long column = 0;
                for (int j = 0; j < K; j++) {
                    row += counts.get(k * K + j);
                    column += counts.get(j * K + k);
                }
                chance += (row / n) * (column / n);
            }
            if (chance >= 1 - 1e-12) return null;
            return (agreed() / n - chance) / (1 - chance);
        }
    }

    public record PairConfusion(String raterA, String raterB, Confusion choices) {}

    public RaterQualityStats plus(QualityNote note) {
        if (note.gold() != null) {
            Map<String, GoldCount> next = new TreeMap<>(gold);
            GoldCount was = next.getOrDefault(note.gold().rater(), new GoldCount(0, 0));
            next.put(note.gold().rater(), new GoldCount(was.votes() + 1, was.correct() + (note.gold().correct() ? 1 : 0)));
            return new RaterQualityStats(next, overall, pairs);
        }
        QualityNote.Agreement a = note.agreement();
        if (a == null || a.firstRater().equals(a.secondRater())) return this;
        boolean firstIsA = a.firstRater().compareTo(a.secondRater()) < 0;
        String raterA = firstIsA ? a.firstRater() : a.secondRater();
        String raterB = firstIsA ? a.secondRater() : a.firstRater();
        Choice choiceA = firstIsA ? a.first() : a.second();
        Choice choiceB = firstIsA ? a.second() : a.first();
        List<PairConfusion> next = new ArrayList<>();
        boolean found = false;
        for (PairConfusion p : pairs) {
            if (p.raterA().equals(raterA) && p.raterB().equals(raterB)) {
                next.add(new PairConfusion(raterA, raterB, p.choices().plus(choiceA, choiceB)));
                found = true;
            } else {
                next.add(p);
            }
        }
        if (!found) next.add(new PairConfusion(raterA, raterB, Confusion.EMPTY.plus(choiceA, choiceB)));
        return new RaterQualityStats(gold, overall.plus(a.first(), a.second()), next);
    }

    /**
     * Each checked rater's reliability (by rater id): their gold votes and right answers, and for every
     * comparison they voted on with another rater, one check passed when both made the same choice.
     */
    public List<RaterReliability> reliability() {
        Map<String, long[]> checked = new TreeMap<>();
        gold.forEach((rater, count) -> add(checked, rater, count.votes(), count.correct()));
        for (PairConfusion p : pairs) {
            add(checked, p.raterA(), p.choices().total(), p.choices().agreed());
            add(checked, p.raterB(), p.choices().total(), p.choices().agreed());
        }
        List<RaterReliability> result = new ArrayList<>();
        checked.forEach((rater, counts) -> result.add(RaterReliability.of(rater, counts[0], counts[1])));
        return result;
    }

    private static void add(Map<String, long[]> checked, String rater, long checks, long passed) {
        long[] counts = checked.computeIfAbsent(rater, r -> new long[2]);
        counts[0] += checks;
        counts[1] += passed;
    }

    /** Counted notes, to pick the instance that holds them when shares are merged. */
    public long notes() {
        return gold.values().stream().mapToLong(GoldCount::votes).sum() + overall.total();
    }
}
