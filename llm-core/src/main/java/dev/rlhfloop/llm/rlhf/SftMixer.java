package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.model.Gpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The SFT mix of one update ({@link UpdateSettings.SftMix}): each policy step also descends
 * {@code coefficient} × the SFT loss on a few of the line's instruction examples, drawn from the
 * update's seed. Preference losses only say which of two answers is better; nothing in them holds the
 * rest of the model's behaviour, and on the built-in model DPO alone cost held-out tasks several
 * points of exact match and let a length rule collapse answers to nothing. InstructGPT mixed its
 * pretraining loss into PPO for the same reason; here it is the data the SFT model was tuned on.
 */
public final class SftMixer {

    private final List<InstructionLoader.Encoded> examples;
    private final double coefficient;
    private final int perStep;
    private final int endOfText;
    private final int maxLength;
    private final Random random;
    private double lossSum;
    private int steps;

    private SftMixer(List<InstructionLoader.Encoded> examples, UpdateSettings.SftMix settings, int endOfText, int maxLength, long seed) {
        this.examples = examples;
        this.coefficient = settings.coefficient();
        this.perStep = Math.min(settings.examples(), examples.size());
        this.endOfText = endOfText;
        this.maxLength = maxLength;
        // a stream of its own, apart from the update's shuffles and samples
        this.random = new Random(seed * 1_000_003L + 29);
    }

    /** The mix of an update seeded by {@code seed}; null when the settings turn it off or there are no examples. */
    static SftMixer of(UpdateSettings.SftMix settings, List<InstructionLoader.Encoded> examples, int endOfText, int maxLength, long seed) {
        if (!settings.enabled() || examples.isEmpty()) return null;
        return new SftMixer(examples, settings, endOfText, maxLength, seed);
    }

    /**
     * Adds the gradient of {@code coefficient} × the mean SFT loss on the next examples into
     * {@code policy}'s gradients (after the step's own backward pass, before its optimizer step);
     * returns that loss.
     */
    public float addGradient(Gpt policy) {
        List<InstructionLoader.Encoded> rows = new ArrayList<>(perStep);
        // distinct examples per step: a partial shuffle of the indices
        int[] indices = new int[examples.size()];
        for (int i = 0; i < indices.length; i++) indices[i] = i;
        for (int i = 0; i < perStep; i++) {
            int j = i + random.nextInt(indices.length - i);
            int swap = indices[i]; indices[i] = indices[j]; indices[j] = swap;
            rows.add(examples.get(indices[i]));
        }
        Batch batch = InstructionLoader.collate(rows, endOfText, maxLength);
        float loss = policy.loss(batch);
        policy.backward((float) coefficient);
        lossSum += loss;
        steps++;
        return loss;
    }

    /** The mean SFT loss over the steps so far (NaN before the first). */
    public double meanLoss() {
        return steps == 0 ? Double.NaN : lossSum / steps;
    }
}
