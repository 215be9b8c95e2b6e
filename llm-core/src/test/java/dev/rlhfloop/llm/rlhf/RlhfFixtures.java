package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny models and toy preference sets for the RLHF tests. */
final class RlhfFixtures {

    static final int PAD = 0;

    private RlhfFixtures() {}

    static GptConfig tiny() {
        return new GptConfig(13, 12, 8, 2, 2, 0f, true, true, 1e-5f);
    }

    static GptConfig small() {
        return new GptConfig(16, 16, 32, 2, 2, 0f, true, true, 1e-5f);
    }

    /** GPT-2's init makes most gradients tiny; larger weights make finite differences meaningful for every tensor. */
    static void scaleUp(Gpt gpt, long seed) {
        Random random = new Random(seed);
        for (Parameter p : gpt.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) (random.nextGaussian() * 0.3);
            }
        }
    }

    static int[] randomIds(Random random, int length, int vocab) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = 1 + random.nextInt(vocab - 1);
        }
        return ids;
    }

    /** Pairs of different prompt and answer lengths, so padding and masking matter. */
    static List<TokenizedPreference> randomPairs(Random random, int count, int vocab) {
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            pairs.add(new TokenizedPreference(randomIds(random, 1 + random.nextInt(3), vocab),
                    randomIds(random, 1 + random.nextInt(4), vocab), randomIds(random, 1 + random.nextInt(4), vocab)));
        }
        return pairs;
    }

    /**
     * A toy preference: answers are random tokens from {2..vocab), but the chosen answer contains
     * the "polite" token 1 and the rejected one does not.
     */
    static List<TokenizedPreference> politePairs(Random random, int count, int vocab) {
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new int[2 + random.nextInt(3)];
            for (int j = 0; j < prompt.length; j++) {
                prompt[j] = 2 + random.nextInt(vocab - 2);
            }
            int length = 2 + random.nextInt(3);
            int[] chosen = new int[length];
            int[] rejected = new int[length];
            for (int j = 0; j < length; j++) {
                chosen[j] = 2 + random.nextInt(vocab - 2);
                rejected[j] = 2 + random.nextInt(vocab - 2);
            }
            chosen[random.nextInt(length)] = 1;
            pairs.add(new TokenizedPreference(prompt, chosen, rejected));
        }
        return pairs;
    }

    /** Random prompts of 2–4 tokens from {1..vocab). */
    static List<int[]> randomPrompts(Random random, int count, int vocab) {
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            prompts.add(randomIds(random, 2 + random.nextInt(3), vocab));
        }
        return prompts;
    }

    /**
     * The mean probability the model gives {@code token} as the first answer token after each
     * prompt: exact (no sampling), so a before/after comparison carries no sampling noise.
     */
    static double meanFirstTokenProbability(Gpt model, List<int[]> prompts, int token) {
        int v = model.config().vocabSize();
        double sum = 0;
        for (int[] prompt : prompts) {
            float[] logits = model.forward(prompt, 1, prompt.length);
            int at = (prompt.length - 1) * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) {
                max = Math.max(max, logits[at + j]);
            }
            double z = 0;
            for (int j = 0; j < v; j++) {
                z += Math.exp(logits[at + j] - max);
            }
            sum += Math.exp(logits[at + token] - max) / z;
        }
        return sum / prompts.size();
    }

    /** A toy reward: the share of the answer's tokens that are {@code target}. */
    static Rloo.Reward tokenShare(int target) {
        return (prompts, responses) -> {
            double[] rewards = new double[responses.size()];
            for (int r = 0; r < rewards.length; r++) {
                int hits = 0;
                for (int token : responses.get(r)) {
                    hits += token == target ? 1 : 0;
                }
                rewards[r] = (double) hits / responses.get(r).length;
            }
            return rewards;
        };
    }

    /** Log-probabilities at the answer positions of {@code batch}, shifted by offsets drawn from {@code offsets}; 0 elsewhere. */
    static float[] shiftedLogProbs(float[] logProbs, dev.rlhfloop.llm.data.Batch batch, Random random, double... offsets) {
        float[] shifted = new float[logProbs.length];
        for (int at = 0; at < logProbs.length; at++) {
            if (batch.targets()[at] != dev.rlhfloop.llm.data.Batch.IGNORE) {
                shifted[at] = (float) (logProbs[at] + offsets[random.nextInt(offsets.length)]);
            }
        }
        return shifted;
    }
}
