package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.sample.BatchDecoder;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.sample.TokenListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Choosing among sampled answers by a reward model's scores: the best of n (best-of-n serving:
 * the answer shown is the one the reward model ranks first), and the pair the reward model is
 * least sure about (uncertainty sampling: a rater's vote on it settles a real doubt instead of
 * confirming what the reward model already knows). The preference of one answer over another is
 * Bradley–Terry's, the model the reward model is trained under: σ(r₁ − r₂).
 */
public final class CandidateChoice {

    private CandidateChoice() {}

    /** Two candidates, by index, and the reward model's probability that the first is preferred. */
    public record Pair(int first, int second, double preference) {
        /** How far the preference is from a coin flip: 0 is the least sure the reward model can be. */
        public double certainty() {
            return Math.abs(preference - 0.5);
        }
    }

    /** Seeds of a candidate and the next are this far apart, so callers that number answers seed, seed + 1, ... draw no candidate twice. */
    static final long CANDIDATE_SEED_STRIDE = 1_000_003L;

    /**
     * The sampling seed of candidate {@code index} of an answer sampled with {@code seed}: candidate 0
     * is the answer one sample would have been, so best-of-1 is plain sampling.
     */
    public static long candidateSeed(long seed, int index) {
        return seed + index * CANDIDATE_SEED_STRIDE;
    }

    /** P(first ≻ second) under Bradley–Terry. */
    public static double preference(double firstReward, double secondReward) {
        return PairwiseLogistic.sigmoid(firstReward - secondReward);
    }

    /** The index of the highest reward; the first on a tie (a NaN reward is never chosen over a number). */
    public static int best(double[] rewards) {
        if (rewards.length == 0) throw new IllegalArgumentException("no candidates to choose from");
        int best = 0;
        for (int i = 1; i < rewards.length; i++) {
            if (rewards[i] > rewards[best] || Double.isNaN(rewards[best]) && !Double.isNaN(rewards[i])) best = i;
        }
        return best;
    }

    /**
     * The pair i &lt; j of one pool of candidates whose preference is nearest ½, among pairs of
     * different answers ({@code answers.get(i)} unequal to {@code answers.get(j)}: a pair of the same
     * answer twice is a sure tie and teaches nothing); the first such pair on a tie. Null when every
     * answer is the same.
     */
    public static Pair leastCertain(double[] rewards, List<?> answers) {
        return choose(rewards, answers, true);
    }

    /** The same pair search for the pair whose preference is farthest from ½: the one the reward model is surest about. */
    public static Pair mostCertain(double[] rewards, List<?> answers) {
        return choose(rewards, answers, false);
    }

    private static Pair choose(double[] rewards, List<?> answers, boolean leastSure) {
        checkSizes(rewards, answers);
        Pair chosen = null;
        for (int i = 0; i < rewards.length; i++) {
            for (int j = i + 1; j < rewards.length; j++) {
                if (answers.get(i).equals(answers.get(j))) continue;
                Pair pair = new Pair(i, j, preference(rewards[i], rewards[j]));
                if (chosen == null || (leastSure ? pair.certainty() < chosen.certainty() : pair.certainty() > chosen.certainty())) {
                    chosen = pair;
                }
            }
        }
        return chosen;
    }

    /**
     * The same across two pools (two versions answering: one candidate from each side), first
     * index from {@code first}, second from {@code second}. Null when every candidate of one side
     * equals every candidate of the other.
     */
    public static Pair leastCertain(double[] first, List<?> firstAnswers, double[] second, List<?> secondAnswers) {
        checkSizes(first, firstAnswers);
        checkSizes(second, secondAnswers);
        Pair chosen = null;
        for (int i = 0; i < first.length; i++) {
            for (int j = 0; j < second.length; j++) {
                if (firstAnswers.get(i).equals(secondAnswers.get(j))) continue;
                Pair pair = new Pair(i, j, preference(first[i], second[j]));
                if (chosen == null || pair.certainty() < chosen.certainty()) chosen = pair;
            }
        }
        return chosen;
    }

    /**
     * {@code n} candidate answers to {@code prompt}, candidate k sampled with
     * {@link #candidateSeed}(settings' seed, k), decoded together in one batch of {@code decoder}
     * (each the tokens it would be alone); the new tokens of each.
     */
    public static List<int[]> sample(BatchDecoder decoder, int[] prompt, SamplingSettings settings, int n) {
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            sequences.add(decoder.join(prompt, settings.withSeed(candidateSeed(settings.seed(), k)), TokenListener.NONE));
        }
        while (sequences.stream().anyMatch(sq -> !sq.finished())) decoder.step();
        return sequences.stream().map(sq -> sq.generation().newTokens()).toList();
    }

    /**
     * The reward of each candidate answer to {@code prompt}, each cut as the trainer cuts a pair's
     * answers ({@link PolicyUpdate#fit}: at most half the context, the prompt's end in the rest), so
     * the reward model reads candidates as it was trained to. Not thread-safe: one caller per reward model.
     */
    public static double[] score(RewardModel rewardModel, int[] prompt, List<int[]> candidates) {
        int context = rewardModel.backbone().config().contextLength();
        int answerRoom = context / 2;
        List<int[]> prompts = new ArrayList<>();
        List<int[]> answers = new ArrayList<>();
        for (int[] candidate : candidates) {
            int[] answer = Arrays.copyOf(candidate, Math.min(candidate.length, answerRoom));
            int promptRoom = context - answer.length;
            prompts.add(prompt.length > promptRoom ? Arrays.copyOfRange(prompt, prompt.length - promptRoom, prompt.length) : prompt);
            answers.add(answer);
        }
        return rewardModel.score(prompts, answers);
    }

    private static void checkSizes(double[] rewards, List<?> answers) {
        if (rewards.length != answers.size()) {
            throw new IllegalArgumentException("need one answer per reward: " + rewards.length + " rewards, " + answers.size() + " answers");
        }
    }
}
