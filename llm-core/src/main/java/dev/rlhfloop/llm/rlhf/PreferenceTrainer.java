package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.LengthGroups;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Learning from preference pairs, as the trainer service calls it: DPO of a policy against a
 * frozen reference, and Bradley–Terry training of a reward model. Each run shuffles the pairs per
 * epoch from the seed, takes one AdamW step per batch (global-norm clipped), and reports metrics
 * before training (epoch 0) and after every epoch, on the training pairs and the held-out ones.
 * The same pairs, settings and thread count give the same weights bit for bit.
 */
public final class PreferenceTrainer {

    /** Metrics of one update. */
    public record Step(int epoch, int step, int stepsPerEpoch, PreferenceMetrics metrics) {}

    /** Metrics after {@code epoch} epochs (0 = before training); {@code heldOut} is null without held-out pairs. */
    public record Epoch(int epoch, PreferenceMetrics train, PreferenceMetrics heldOut) {}

    /** Receives every update's metrics, e.g. to draw a progress bar or publish training events. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = step -> {};

        void onStep(Step step);
    }

    /** Held-out pairs on which DPO's KL to the reference is measured each epoch (it needs both models' full logits). */
    static final int KL_PAIRS = 32;

    private PreferenceTrainer() {}

    /**
     * DPO of {@code policy} (updated in place) against {@code reference} (left unchanged). The
     * train epochs' metrics are the means of their steps (the policy changing as it goes), except
     * epoch 0, which evaluates; held-out metrics always evaluate the policy as it is then.
     */
    public static List<Epoch> dpo(Gpt policy, Gpt reference, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                                  PreferenceSettings settings, int padId, Listener listener) {
        return dpo(policy, reference, train, heldOut, settings, padId, null, listener);
    }

    /** As the overload without it, with the SFT mix's step after every step ({@link SftMixer}; null: none). */
    public static List<Epoch> dpo(Gpt policy, Gpt reference, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                                  PreferenceSettings settings, int padId, SftMixer sftMixer, Listener listener) {
        return dpo(policy, reference, train, heldOut, settings, padId, sftMixer, true, listener);
    }

    /**
     * As the overload without it; {@code everyEpoch} false measures only what an update reports: the
     * held-out pairs before training (without the KL, which is 0 for a policy that starts as its
     * reference and not reported for one that does not) and after the last epoch, and no evaluation
     * pass over the training pairs before it (epoch 0's {@code train} and the middle epochs'
     * {@code heldOut} are null). Evaluating changes no weight, so the trained policy is the same either way.
     */
    public static List<Epoch> dpo(Gpt policy, Gpt reference, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                                  PreferenceSettings settings, int padId, SftMixer sftMixer, boolean everyEpoch, Listener listener) {
        return dpo(policy, reference, train, heldOut, settings, padId, sftMixer, everyEpoch, new ReferenceLogProbs(), listener);
    }

    /** As the overload without it, reading the pairs' reference log-probabilities from {@code kept} (computing those it lacks). */
    public static List<Epoch> dpo(Gpt policy, Gpt reference, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                                  PreferenceSettings settings, int padId, SftMixer sftMixer, boolean everyEpoch, ReferenceLogProbs kept,
                                  Listener listener) {
        Dpo dpo = new Dpo(policy, reference, settings.beta());
        int maxLength = Math.min(settings.maxLength(), policy.config().contextLength());
        Function<List<TokenizedPreference>, PairBatch> collate = pairs -> PairBatch.collate(pairs, padId, maxLength);
        Function<TokenizedPreference, double[]> referenceOf = pair -> kept.of(reference, pair, padId, maxLength);
        reference.setTraining(false);
        PairSet trainSet = new PairSet(train, settings.batchSize(), maxLength, collate, referenceOf);
        PairSet heldOutSet = heldOut.isEmpty() ? null : new PairSet(heldOut, settings.batchSize(), maxLength, collate, referenceOf);
        PairSet klSet = heldOut.isEmpty() ? null
                : new PairSet(heldOut.subList(0, Math.min(KL_PAIRS, heldOut.size())), settings.batchSize(), maxLength, collate, null);

        Function<PairSet, PreferenceMetrics> evaluate = set -> {
            policy.setTraining(false);
            return evaluateAll(set, group -> dpo.evaluate(group.batch(), group.reference()));
        };
        Function<PreferenceMetrics, PreferenceMetrics> withKl = metrics -> {
            if (klSet == null) {
                return metrics;
            }
            policy.setTraining(false);
            PreferenceMetrics kl = evaluateAll(klSet, group -> new PreferenceMetrics(0, 0, 0, 0, 0, dpo.klToReference(group.batch())));
            return metrics.withKl(kl.klToReference());
        };

        List<Epoch> epochs = new ArrayList<>();
        epochs.add(new Epoch(0, everyEpoch ? evaluate.apply(trainSet) : null,
                heldOutSet == null ? null : everyEpoch ? withKl.apply(evaluate.apply(heldOutSet)) : evaluate.apply(heldOutSet)));
        AdamW optimizer = new AdamW(policy.trainableParameters(), new AdamWSettings(0.9f, 0.999f, 1e-8f, settings.weightDecay()));
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            PreferenceMetrics trained = trainEpoch(trainSet, settings, epoch, listener, slice -> {
                policy.setTraining(true);
                policy.zeroGrad();
                PreferenceMetrics metrics = slice.accumulate(group -> dpo.forwardBackward(group.batch(), group.reference(), group.share()));
                optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
                if (sftMixer != null) sftMixer.step(policy);
                return metrics;
            });
            boolean measured = heldOutSet != null && (everyEpoch || epoch == settings.epochs());
            epochs.add(new Epoch(epoch, trained, measured ? withKl.apply(evaluate.apply(heldOutSet)) : null));
        }
        policy.setTraining(false);
        return epochs;
    }

    /** Bradley–Terry training of {@code model} in place; metrics as for {@link #dpo}. */
    public static List<Epoch> rewardModel(RewardModel model, List<TokenizedPreference> train, List<TokenizedPreference> heldOut,
                                          PreferenceSettings settings, int padId, Listener listener) {
        Gpt backbone = model.backbone();
        int maxLength = Math.min(settings.maxLength(), backbone.config().contextLength());
        Function<List<TokenizedPreference>, PairBatch> collate = pairs -> PairBatch.collate(pairs, padId, maxLength);
        PairSet trainSet = new PairSet(train, settings.batchSize(), maxLength, collate, null);
        PairSet heldOutSet = heldOut.isEmpty() ? null : new PairSet(heldOut, settings.batchSize(), maxLength, collate, null);
        Function<PairSet, PreferenceMetrics> evaluate = set -> {
            backbone.setTraining(false);
            return evaluateAll(set, group -> PreferenceMetrics.of(model.evaluate(group.batch())));
        };

        List<Epoch> epochs = new ArrayList<>();
        epochs.add(new Epoch(0, evaluate.apply(trainSet), heldOutSet == null ? null : evaluate.apply(heldOutSet)));
        AdamW optimizer = new AdamW(model.parameters(), new AdamWSettings(0.9f, 0.999f, 1e-8f, settings.weightDecay()));
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            PreferenceMetrics trained = trainEpoch(trainSet, settings, epoch, listener, slice -> {
                backbone.setTraining(true);
                model.zeroGrad();
                PreferenceMetrics metrics = slice.accumulate(group -> PreferenceMetrics.of(model.forwardBackward(group.batch(), group.share())));
                optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
                return metrics;
            });
            epochs.add(new Epoch(epoch, trained, heldOutSet == null ? null : evaluate.apply(heldOutSet)));
        }
        backbone.setTraining(false);
        return epochs;
    }

    private static PreferenceMetrics evaluateAll(PairSet set, Function<Group, PreferenceMetrics> evaluate) {
        int[] order = set.order(0, 0);
        List<PreferenceMetrics> metrics = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int from = 0; from < set.size(); from += set.batchSize()) {
            for (Group group : set.slice(order, from).groups()) {
                metrics.add(evaluate.apply(group));
                sizes.add(group.size());
            }
        }
        return PreferenceMetrics.mean(metrics, sizes);
    }

    /** One pass over the shuffled pairs; the epoch's metrics are the means of its steps'. */
    private static PreferenceMetrics trainEpoch(PairSet set, PreferenceSettings settings, int epoch, Listener listener,
                                                Function<Slice, PreferenceMetrics> step) {
        int[] order = set.order(settings.seed(), epoch);
        List<PreferenceMetrics> metrics = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int from = 0, s = 1; from < set.size(); from += set.batchSize(), s++) {
            Slice slice = set.slice(order, from);
            PreferenceMetrics m = step.apply(slice);
            metrics.add(m);
            sizes.add(slice.size());
            listener.onStep(new Step(epoch, s, set.batches(), m));
        }
        return PreferenceMetrics.mean(metrics, sizes);
    }

    /**
     * A list of pairs with, for DPO, each answer's reference log-probability ({@link ReferenceLogProbs}); cut
     * into batches in a given order (the data order for evaluation, a seeded shuffle per epoch).
     */
    private static final class PairSet {
        private final List<TokenizedPreference> pairs;
        private final int batchSize;
        private final int maxLength;
        private final Function<List<TokenizedPreference>, PairBatch> collate;
        private final double[] chosenReference;
        private final double[] rejectedReference;

        PairSet(List<TokenizedPreference> pairs, int batchSize, int maxLength, Function<List<TokenizedPreference>, PairBatch> collate,
                Function<TokenizedPreference, double[]> reference) {
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("no preference pairs to train on");
            }
            this.pairs = List.copyOf(pairs);
            this.batchSize = batchSize;
            this.maxLength = maxLength;
            this.collate = collate;
            this.chosenReference = reference == null ? null : new double[pairs.size()];
            this.rejectedReference = reference == null ? null : new double[pairs.size()];
            if (reference != null) {
                for (int i = 0; i < pairs.size(); i++) {
                    double[] rows = reference.apply(this.pairs.get(i));
                    chosenReference[i] = rows[0];
                    rejectedReference[i] = rows[1];
                }
            }
        }

        int size() {
            return pairs.size();
        }

        int batchSize() {
            return batchSize;
        }

        int batches() {
            return (pairs.size() + batchSize - 1) / batchSize;
        }

        /** The data order for epoch 0, a shuffle from the seed for every training epoch. */
        int[] order(long seed, int epoch) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                order.add(i);
            }
            if (epoch > 0) {
                Collections.shuffle(order, new Random(seed * 1_000_003L + epoch));
            }
            return order.stream().mapToInt(Integer::intValue).toArray();
        }

        /** The batch of the pairs {@code order[from .. from + batchSize)}, in groups of similar length with their reference log-probabilities. */
        Slice slice(int[] order, int from) {
            int to = Math.min(order.length, from + batchSize);
            List<TokenizedPreference> members = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) members.add(pairs.get(order[i]));
            List<Group> groups = new ArrayList<>();
            for (int[] group : LengthGroups.of(lengths(members, maxLength), 1)) {
                List<TokenizedPreference> grouped = new ArrayList<>(group.length);
                double[] reference = chosenReference == null ? null : new double[2 * group.length];
                for (int k = 0; k < group.length; k++) {
                    int pair = order[from + group[k]];
                    grouped.add(pairs.get(pair));
                    if (reference != null) {
                        reference[k] = chosenReference[pair];
                        reference[group.length + k] = rejectedReference[pair];
                    }
                }
                groups.add(new Group(collate.apply(grouped), reference, group.length, (double) group.length / (to - from)));
            }
            return new Slice(groups, to - from);
        }

        /** Each pair's row, as the batch holds it. */
        private static int[] lengths(List<TokenizedPreference> pairs, int maxLength) {
            int[] lengths = new int[pairs.size()];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = PairBatch.rowLength(pairs.get(i), maxLength);
            }
            return lengths;
        }
    }

    /**
     * One step's pairs, in groups of similar length ({@link LengthGroups}). A step's loss is the
     * mean over its pairs, so each group's backward is scaled by its {@code share} of them and the
     * gradients add up to the whole batch's.
     */
    private record Slice(List<Group> groups, int size) {

        /** Runs {@code forwardBackward} on every group (adding into the gradients); the step's metrics. */
        PreferenceMetrics accumulate(Function<Group, PreferenceMetrics> forwardBackward) {
            List<PreferenceMetrics> metrics = new ArrayList<>(groups.size());
            List<Integer> sizes = new ArrayList<>(groups.size());
            for (Group group : groups) {
                metrics.add(forwardBackward.apply(group));
                sizes.add(group.size());
            }
            return PreferenceMetrics.mean(metrics, sizes);
        }
    }

    /** Pairs collated into one batch, their reference log-probabilities (DPO), how many and their share of the step's. */
    private record Group(PairBatch batch, double[] reference, int size, double share) {}
}
