package dev.rlhfloop.llm.rlhf;

import java.util.List;
import java.util.Locale;

/**
 * What a reward-model or DPO step or epoch reports, averaged over pairs: the Bradley–Terry loss;
 * the mean reward of the chosen and of the rejected answers (the reward model's outputs, or DPO's
 * implicit rewards β·(log π − log π_ref)); their mean margin; the fraction of pairs whose chosen
 * reward is higher. DPO's KL to the reference is filled in where it was measured ({@code NaN}
 * otherwise).
 */
public record PreferenceMetrics(double loss, double chosenReward, double rejectedReward, double margin, double accuracy,
                         double klToReference) {

    public static PreferenceMetrics of(PairwiseLogistic result) {
        return new PreferenceMetrics(result.loss(), result.meanChosen(), result.meanRejected(), result.margin(), result.accuracy(), Double.NaN);
    }

    public PreferenceMetrics withKl(double kl) {
        return new PreferenceMetrics(loss, chosenReward, rejectedReward, margin, accuracy, kl);
    }

    /** The pair-weighted mean of several batches' metrics (KL weighted the same way where present). */
    static PreferenceMetrics mean(List<PreferenceMetrics> batches, List<Integer> pairs) {
        double total = 0;
        double loss = 0, chosen = 0, rejected = 0, margin = 0, accuracy = 0, kl = 0, klWeight = 0;
        for (int i = 0; i < batches.size(); i++) {
            PreferenceMetrics m = batches.get(i);
            double w = pairs.get(i);
            total += w;
            loss += w * m.loss;
            chosen += w * m.chosenReward;
            rejected += w * m.rejectedReward;
            margin += w * m.margin;
            accuracy += w * m.accuracy;
            if (!Double.isNaN(m.klToReference)) {
                kl += w * m.klToReference;
                klWeight += w;
            }
        }
        return new PreferenceMetrics(loss / total, chosen / total, rejected / total, margin / total, accuracy / total,
                klWeight == 0 ? Double.NaN : kl / klWeight);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "loss %.4f, chosen %.3f, rejected %.3f, margin %.3f, accuracy %.3f, KL %.4f",
                loss, chosenReward, rejectedReward, margin, accuracy, klToReference);
    }
}
