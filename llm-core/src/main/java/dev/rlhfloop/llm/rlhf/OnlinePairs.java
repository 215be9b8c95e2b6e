package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.sample.BatchDecoder;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.sample.TokenListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * RM-labelled online pairs (online / iterative DPO): {@code k} answers of the current policy to
 * each prompt, scored by the reward model the human pairs trained, and the best against the worst
 * as one more preference pair. A human vote labels one pair; the reward model it trained labels one
 * per prompt the policy is asked, on answers the policy gives now — the amplifier of scarce votes.
 * Everything is seeded (answer s of prompt p draws from {@code seed + 7919·p + s}, fresh prompts
 * from {@code seed}), so the same policy, reward model, prompts and seed give the same pairs.
 */
public final class OnlinePairs {

    /** The pairs built, over how many prompts, and the mean reward gap best − worst among them. */
    public record Result(List<TokenizedPreference> pairs, int prompts, double meanGap) {}

    /** Sequences decoded in one batch: enough to fill a step's matrix work, few enough for the caches' memory. */
    static final int DECODE_BATCH = 32;

    private OnlinePairs() {}

    /**
     * One (best, worst) pair per prompt from {@code samples} answers each; a prompt whose best and
     * worst answers are the same tokens, or tie in reward, or are empty gives none. {@code reward}
     * scores answers ({@link Rloo.Reward#of} a reward model).
     */
    public static Result build(Gpt policy, Rloo.Reward reward, List<int[]> prompts, UpdateSettings.Online settings, long seed,
                               int endOfText) {
        int k = settings.samples();
        if (k < 2) throw new IllegalArgumentException("online pairs need at least 2 answers per prompt, got " + k);
        List<int[][]> answers = sample(policy, prompts, k, settings, seed, endOfText);
        List<TokenizedPreference> pairs = new ArrayList<>();
        double gaps = 0;
        for (int p = 0; p < prompts.size(); p++) {
            int[][] group = answers.get(p);
            List<int[]> groupPrompts = Collections.nCopies(k, prompts.get(p));
            double[] rewards = reward.score(groupPrompts, Arrays.asList(group));
            int best = 0, worst = 0;
            for (int s = 1; s < k; s++) {
                // strict comparisons: the first of equal rewards wins, so the choice does not depend on anything but the scores
                if (rewards[s] > rewards[best]) best = s;
                if (rewards[s] < rewards[worst]) worst = s;
            }
            if (!(rewards[best] > rewards[worst])) continue;
            TokenizedPreference pair = PolicyUpdate.fit(prompts.get(p), group[best], group[worst], policy.config().contextLength(),
                    policy.config().vocabSize());
            if (pair == null) continue;
            pairs.add(pair);
            gaps += rewards[best] - rewards[worst];
        }
        return new Result(pairs, prompts.size(), pairs.isEmpty() ? Double.NaN : gaps / pairs.size());
    }

    /** {@code k} answers to each prompt, decoded in batches; answers[p][s] from seed {@code seed + 7919·p + s}. */
    static List<int[][]> sample(Gpt policy, List<int[]> prompts, int k, UpdateSettings.Online settings, long seed, int endOfText) {
        boolean training = policy.isTraining();
        policy.setTraining(false);
        List<int[][]> answers = new ArrayList<>();
        for (int p = 0; p < prompts.size(); p++) answers.add(new int[k][]);
        try {
            BatchDecoder decoder = new BatchDecoder(policy);
            int total = prompts.size() * k;
            for (int from = 0; from < total; from += DECODE_BATCH) {
                int to = Math.min(total, from + DECODE_BATCH);
                List<BatchDecoder.Sequence> batch = new ArrayList<>();
                for (int row = from; row < to; row++) {
                    int p = row / k, s = row % k;
                    SamplingSettings sampling = new SamplingSettings(settings.temperature(), settings.topK(), 1f, settings.maxNewTokens(),
                            seed + 7919L * p + s, endOfText);
                    batch.add(decoder.join(prompts.get(p), sampling, TokenListener.NONE));
                }
                while (decoder.active() > 0) decoder.step();
                for (int row = from; row < to; row++) answers.get(row / k)[row % k] = batch.get(row - from).generation().newTokens();
            }
        } finally {
            policy.setTraining(training);
        }
        return answers;
    }

    /**
     * {@code n} prompts of {@code pool} drawn without replacement from {@code seed}, leaving out
     * those already in {@code taken} (the batch's own), each cut to its last {@code room} tokens.
     */
    public static List<int[]> fresh(List<int[]> pool, int n, List<int[]> taken, int room, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < pool.size(); i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        List<int[]> drawn = new ArrayList<>();
        for (int i : order) {
            if (drawn.size() == n) break;
            int[] prompt = pool.get(i);
            if (prompt.length == 0) continue;
            if (prompt.length > room) prompt = Arrays.copyOfRange(prompt, prompt.length - room, prompt.length);
            int[] candidate = prompt;
            if (taken.stream().anyMatch(t -> Arrays.equals(t, candidate)) || drawn.stream().anyMatch(d -> Arrays.equals(d, candidate))) continue;
            drawn.add(prompt);
        }
        return drawn;
    }
}
