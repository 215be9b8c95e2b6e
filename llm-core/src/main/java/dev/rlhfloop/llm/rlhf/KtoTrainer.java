package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * KTO of a policy against a frozen reference on single-answer ratings, run like
 * {@link PreferenceTrainer#dpo}: the ratings shuffled per epoch from the seed, one AdamW step per
 * batch (global-norm clipped), metrics before training (epoch 0) and after every epoch on the
 * training and held-out ratings. A lone rating left over at the end of an epoch joins the batch
 * before it, since the reference point needs two. The reference's log-probabilities are computed
 * per batch, as the mismatched answers depend on the shuffle.
 */
public final class KtoTrainer {

    /** Metrics of one update. */
    public record Step(int epoch, int step, int stepsPerEpoch, Kto.Metrics metrics) {}

    /** Metrics after {@code epoch} epochs (0 = before training); {@code heldOut} is null with fewer than two held-out ratings. */
    public record Epoch(int epoch, Kto.Metrics train, Kto.Metrics heldOut) {}

    /** Receives every update's metrics, e.g. to draw a progress bar. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = step -> {};

        void onStep(Step step);
    }

    private KtoTrainer() {}

    /** Trains {@code policy} in place; {@code reference} is left unchanged. */
    public static List<Epoch> train(Gpt policy, Gpt reference, List<TokenizedFeedback> train, List<TokenizedFeedback> heldOut,
                                    KtoSettings settings, int padId, Listener listener) {
        return train(policy, reference, train, heldOut, settings, padId, null, listener);
    }

    /** As the overload without it, with the SFT loss mixed into every step ({@link SftMixer}; null: none). */
    public static List<Epoch> train(Gpt policy, Gpt reference, List<TokenizedFeedback> train, List<TokenizedFeedback> heldOut,
                                    KtoSettings settings, int padId, SftMixer sftMixer, Listener listener) {
        if (train.size() < 2) {
            throw new IllegalArgumentException("KTO needs at least two ratings to train on, got " + train.size());
        }
        Kto kto = new Kto(policy, reference, settings);
        int maxLength = Math.min(settings.maxLength(), policy.config().contextLength());
        boolean held = heldOut.size() >= 2;
        List<Epoch> epochs = new ArrayList<>();
        epochs.add(new Epoch(0, evaluate(kto, policy, train, settings, padId, maxLength),
                held ? evaluate(kto, policy, heldOut, settings, padId, maxLength) : null));
        AdamW optimizer = new AdamW(policy.trainableParameters(), new AdamWSettings(0.9f, 0.999f, 1e-8f, settings.weightDecay()));
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            List<List<TokenizedFeedback>> batches = batches(train, shuffled(train.size(), settings.seed(), epoch), settings.batchSize());
            List<Kto.Metrics> metrics = new ArrayList<>();
            List<Kto.Rows> rows = new ArrayList<>();
            for (int s = 0; s < batches.size(); s++) {
                Kto.Rows batch = Kto.Rows.collate(batches.get(s), padId, maxLength);
                double[] referenceLogProbs = kto.referenceLogProbs(batch);
                policy.setTraining(true);
                policy.zeroGrad();
                Kto.Metrics m = kto.forwardBackward(batch, referenceLogProbs, 1.0);
                optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
                if (sftMixer != null) sftMixer.step(policy);
                metrics.add(m);
                rows.add(batch);
                listener.onStep(new Step(epoch, s + 1, batches.size(), m));
            }
            epochs.add(new Epoch(epoch, Kto.Metrics.mean(metrics, rows),
                    held ? evaluate(kto, policy, heldOut, settings, padId, maxLength) : null));
        }
        policy.setTraining(false);
        return epochs;
    }

    private static Kto.Metrics evaluate(Kto kto, Gpt policy, List<TokenizedFeedback> ratings, KtoSettings settings, int padId,
                                        int maxLength) {
        policy.setTraining(false);
        List<Kto.Metrics> metrics = new ArrayList<>();
        List<Kto.Rows> rows = new ArrayList<>();
        for (List<TokenizedFeedback> members : batches(ratings, shuffled(ratings.size(), 0, 0), settings.batchSize())) {
            Kto.Rows batch = Kto.Rows.collate(members, padId, maxLength);
            metrics.add(kto.evaluate(batch, kto.referenceLogProbs(batch)));
            rows.add(batch);
        }
        return Kto.Metrics.mean(metrics, rows);
    }

    /** The data order for epoch 0, a shuffle from the seed for every training epoch. */
    private static int[] shuffled(int size, long seed, int epoch) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            order.add(i);
        }
        if (epoch > 0) {
            Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
        }
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Consecutive batches of {@code size} in {@code order}; a lone last rating joins the batch before it. */
    static List<List<TokenizedFeedback>> batches(List<TokenizedFeedback> ratings, int[] order, int size) {
        List<List<TokenizedFeedback>> batches = new ArrayList<>();
        for (int from = 0; from < order.length; from += size) {
            int to = Math.min(order.length, from + size);
            List<TokenizedFeedback> batch = to - from == 1 && !batches.isEmpty() ? batches.get(batches.size() - 1) : new ArrayList<>();
            for (int i = from; i < to; i++) {
                batch.add(ratings.get(order[i]));
            }
            if (batch.size() == to - from) {
                batches.add(batch);
            }
        }
        return batches;
    }
}
