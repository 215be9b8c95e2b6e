package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Selection;
import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.sample.SamplingSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A comparison's answers chosen among several samples by the latest reward model: each side the
 * best of {@code rlhf.inference.best-of}, or ({@code rlhf.inference.pairing=uncertain}) the two
 * candidates whose preference the reward model is least sure of. Every candidate of both sides is
 * started at once, so they decode in the same batch steps; nothing streams before all are scored.
 */
@ApplicationScoped
class CandidateAnswers {

    /** The most candidates per side: both sides' candidates fit one batch of the scheduler. */
    static final int MAX_CANDIDATES = dev.rlhfloop.llm.sample.BatchScheduler.MAX_BATCH / 2;

    /** A sampled answer: the result, the pieces it streamed in, the settings (its seed) it was sampled with. */
    record Candidate(AnswerGenerator.Result result, List<String> pieces, SamplingSettings settings) {
        int[] tokens() {
            return result.tokenIds().stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** The answer a side shows and how it was chosen. */
    record Chosen(Candidate answer, Selection selection) {}

    /** Both sides' answers (A, then B) and the tokens sampled for them in all. */
    record Drawn(List<Chosen> answers, int tokensSampled) {}

    @Inject
    InferenceConfig config;

    @Inject
    RewardModels rewardModels;

    void start(@Observes StartupEvent event) {
        if (config.bestOf() < 1 || config.bestOf() > MAX_CANDIDATES) {
            throw new IllegalArgumentException("rlhf.inference.best-of must be 1 to " + MAX_CANDIDATES + ", was " + config.bestOf());
        }
        if (config.pairingCandidates() < 2 || config.pairingCandidates() > MAX_CANDIDATES) {
            throw new IllegalArgumentException("rlhf.inference.pairing-candidates must be 2 to " + MAX_CANDIDATES + ", was "
                    + config.pairingCandidates());
        }
    }

    /** The reward model answers are chosen by now; empty while they are sampled once (the default, or no reward model loaded yet). */
    Optional<RewardModels.Loaded> active() {
        return rewardModels.wanted() ? rewardModels.latest() : Optional.empty();
    }

    /** Samples and chooses both answers; {@code settings}' seeds are each side's candidate 0's. */
    Drawn draw(RewardModels.Loaded rewardModel, List<ServedModel> models, int[][] prompts, List<SamplingSettings> settings) {
        if (config.pairing() == InferenceConfig.Pairing.UNCERTAIN) return uncertain(rewardModel, models, prompts, settings);
        int n = config.bestOf();
        List<List<Candidate>> sides = sample(models, prompts, settings, List.of(n, n));
        List<Chosen> chosen = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            List<Candidate> candidates = sides.get(side);
            double[] rewards = RewardModels.score(rewardModel, prompts[side], candidates.stream().map(Candidate::tokens).toList());
            int best = CandidateChoice.best(rewards);
            chosen.add(new Chosen(candidates.get(best), new Selection(Selection.Method.BEST_OF, n, settings.get(side).seed(),
                    rewardModel.versionId(), rewards[best])));
        }
        return new Drawn(chosen, tokens(sides));
    }

    /**
     * One version on both sides with the same prompt: one pool of candidates, the least sure pair of
     * it; two versions (or two conversations): candidates per side, the least sure pair across.
     */
    private Drawn uncertain(RewardModels.Loaded rewardModel, List<ServedModel> models, int[][] prompts, List<SamplingSettings> settings) {
        int k = config.pairingCandidates();
        boolean onePool = models.get(0).versionId().equals(models.get(1).versionId()) && Arrays.equals(prompts[0], prompts[1]);
        List<List<Candidate>> sides = sample(models, prompts, settings, onePool ? List.of(k, 0) : List.of(k, k));
        List<Candidate> first = sides.get(0);
        List<Candidate> second = onePool ? first : sides.get(1);
        double[] firstRewards = RewardModels.score(rewardModel, prompts[0], first.stream().map(Candidate::tokens).toList());
        double[] secondRewards = onePool ? firstRewards
                : RewardModels.score(rewardModel, prompts[1], second.stream().map(Candidate::tokens).toList());
        List<String> firstTexts = first.stream().map(c -> c.result().text()).toList();
        CandidateChoice.Pair pair = onePool ? CandidateChoice.leastCertain(firstRewards, firstTexts)
                : CandidateChoice.leastCertain(firstRewards, firstTexts, secondRewards, second.stream().map(c -> c.result().text()).toList());
        // every candidate the same answer: nothing to be unsure about, show two of them as sampled
        if (pair == null) pair = new CandidateChoice.Pair(0, onePool ? 1 : 0, 0.5);
        long secondSeed = onePool ? settings.get(0).seed() : settings.get(1).seed();
        return new Drawn(List.of(
                new Chosen(first.get(pair.first()), new Selection(Selection.Method.UNCERTAIN, k, settings.get(0).seed(),
                        rewardModel.versionId(), firstRewards[pair.first()])),
                new Chosen(second.get(pair.second()), new Selection(Selection.Method.UNCERTAIN, k, secondSeed,
                        rewardModel.versionId(), secondRewards[pair.second()]))), tokens(sides));
    }

    /** {@code counts.get(side)} candidates per side, candidate k seeded {@link CandidateChoice#candidateSeed}; all started before any is awaited. */
    private static List<List<Candidate>> sample(List<ServedModel> models, int[][] prompts, List<SamplingSettings> settings, List<Integer> counts) {
        List<List<AnswerGenerator.Pending>> pending = new ArrayList<>();
        List<List<List<String>>> pieces = new ArrayList<>();
        List<List<SamplingSettings>> used = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            pending.add(new ArrayList<>());
            pieces.add(new ArrayList<>());
            used.add(new ArrayList<>());
            for (int k = 0; k < counts.get(side); k++) {
                SamplingSettings candidate = settings.get(side).withSeed(CandidateChoice.candidateSeed(settings.get(side).seed(), k));
                List<String> streamed = new ArrayList<>();
                pending.get(side).add(AnswerGenerator.start(models.get(side), prompts[side], candidate, streamed::add));
                pieces.get(side).add(streamed);
                used.get(side).add(candidate);
            }
        }
        List<List<Candidate>> sides = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            List<Candidate> candidates = new ArrayList<>();
            for (int k = 0; k < counts.get(side); k++) {
                candidates.add(new Candidate(pending.get(side).get(k).await(), pieces.get(side).get(k), used.get(side).get(k)));
            }
            sides.add(candidates);
        }
        return sides;
    }

    private static int tokens(List<List<Candidate>> sides) {
        return sides.stream().flatMap(List::stream).mapToInt(c -> c.result().tokenIds().size()).sum();
    }
}
