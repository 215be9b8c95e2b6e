package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KtoTest {

    private static final KtoSettings SETTINGS = UpdateSettings.defaults().ktoSettings(123, 1024)
            .with(s -> {
                s.learningRate = 3e-3f;
                s.batchSize = 4;
                s.epochs = 3;
                s.beta = 0.5;
                s.maxLength = 16;
            });

    /** Ratings of single answers: every other one a liked answer holding the "polite" token 1, the rest disliked ones without it. */
    private static List<TokenizedFeedback> politeRatings(Random random, int count, int vocab) {
        List<TokenizedFeedback> ratings = new ArrayList<>();
        List<TokenizedPreference> pairs = RlhfFixtures.politePairs(random, count, vocab);
        for (int i = 0; i < count; i++) {
            TokenizedPreference pair = pairs.get(i);
            boolean liked = i % 2 == 0;
            ratings.add(new TokenizedFeedback(pair.prompt(), liked ? pair.chosen() : pair.rejected(), liked));
        }
        return ratings;
    }

    private static List<TokenizedFeedback> randomRatings(Random random, int count, int vocab) {
        List<TokenizedFeedback> ratings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ratings.add(new TokenizedFeedback(RlhfFixtures.randomIds(random, 1 + random.nextInt(3), vocab),
                    RlhfFixtures.randomIds(random, 1 + random.nextInt(4), vocab), random.nextBoolean() || i == 0));
        }
        return ratings;
    }

    /** The reference point is a constant of the loss (no gradient flows through it), so the check holds it where the forward put it. */
    @Test
    void lossGradientWithRespectToThePolicyMatchesFiniteDifferences() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(reference, 2);
        Gpt policy = reference.copy();
        RlhfFixtures.scaleUp(policy, 3);
        Kto kto = new Kto(policy, reference, UpdateSettings.defaults().ktoSettings(123, 1024).with(s -> {
            s.beta = 0.5;
            s.desirableWeight = 1.0;
            s.undesirableWeight = 1.5;
        }));
        List<TokenizedFeedback> ratings = randomRatings(new Random(4), 5, 13);
        ratings.set(1, new TokenizedFeedback(ratings.get(1).prompt(), ratings.get(1).completion(), false));
        Kto.Rows rows = Kto.Rows.collate(ratings, RlhfFixtures.PAD, 12);
        double[] referenceLogProbs = kto.referenceLogProbs(rows);
        policy.zeroGrad();
        Kto.Metrics metrics = kto.forwardBackward(rows, referenceLogProbs, 1.0);
        double z = metrics.referencePoint();
        assertEquals(metrics.loss(), kto.evaluateAt(rows, referenceLogProbs, z).loss(), 1e-12);
        for (Parameter p : policy.parameters()) {
            GradCheck.check("KTO " + p.name(), p.data(), p.grad().clone(), () -> kto.evaluateAt(rows, referenceLogProbs, z).loss(), 30);
        }
    }

    @Test
    void startsAtHalfTheWeightsWithZeroRewardsAndReferencePoint() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 5);
        RlhfFixtures.scaleUp(reference, 6);
        Kto kto = new Kto(reference.copy(), reference, UpdateSettings.defaults().ktoSettings(123, 1024).with(s -> { s.desirableWeight = 1.0; s.undesirableWeight = 3.0; }));
        List<TokenizedFeedback> ratings = List.of(
                new TokenizedFeedback(new int[] {3, 4}, new int[] {5}, true),
                new TokenizedFeedback(new int[] {6}, new int[] {7, 8}, false),
                new TokenizedFeedback(new int[] {9, 2}, new int[] {1, 2, 3}, true),
                new TokenizedFeedback(new int[] {4}, new int[] {11}, false));
        Kto.Rows rows = Kto.Rows.collate(ratings, 0, 12);
        Kto.Metrics metrics = kto.evaluate(rows, kto.referenceLogProbs(rows));
        assertEquals((0.5 * 1.0 * 2 + 0.5 * 3.0 * 2) / 4, metrics.loss(), 1e-9);
        assertEquals(0, metrics.referencePoint(), 1e-9);
        assertEquals(0, metrics.desirableReward(), 1e-9);
        assertEquals(0, metrics.undesirableReward(), 1e-9);
    }

    /** Thumbs up on answers holding token 1, down on answers without: the policy gives token 1 more probability and likes what raters liked. */
    @Test
    void aFewEpochsMoveTheToyPolicyTowardsTheLikedAnswers() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        List<TokenizedFeedback> train = politeRatings(new Random(2), 48, 16);
        List<TokenizedFeedback> heldOut = politeRatings(new Random(3), 16, 16);
        List<int[]> heldOutPrompts = heldOut.stream().map(TokenizedFeedback::prompt).toList();
        double before = RlhfFixtures.meanFirstTokenProbability(policy, heldOutPrompts, 1);
        List<KtoTrainer.Step> steps = new ArrayList<>();
        List<KtoTrainer.Epoch> epochs = KtoTrainer.train(policy, reference, train, heldOut, SETTINGS, 0, steps::add);
        double after = RlhfFixtures.meanFirstTokenProbability(policy, heldOutPrompts, 1);

        assertEquals(4, epochs.size());
        assertEquals(3 * 12, steps.size());
        KtoTrainer.Epoch first = epochs.get(0);
        KtoTrainer.Epoch last = epochs.get(3);
        assertEquals(0.5, first.heldOut().loss(), 1e-6);
        assertTrue(after > 3 * before, "P(token 1) on held-out prompts " + before + " -> " + after);
        assertTrue(last.heldOut().desirableReward() > last.heldOut().undesirableReward() + 0.5, "held-out after KTO: " + last.heldOut());
        assertTrue(last.heldOut().loss() < first.heldOut().loss(), "held-out loss " + first.heldOut() + " -> " + last.heldOut());
    }

    @Test
    void isDeterministicAndALoneLastRatingJoinsThePreviousBatch() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 4);
        List<TokenizedFeedback> train = politeRatings(new Random(5), 9, 16);
        KtoSettings settings = SETTINGS.with(s -> s.epochs = 2);
        Gpt a = reference.copy();
        Gpt b = reference.copy();
        List<KtoTrainer.Step> steps = new ArrayList<>();
        List<KtoTrainer.Epoch> first = KtoTrainer.train(a, reference, train, List.of(), settings, 0, steps::add);
        List<KtoTrainer.Epoch> second = KtoTrainer.train(b, reference, train, List.of(), settings, 0, KtoTrainer.Listener.NONE);
        assertEquals(first, second);
        assertArrayEquals(a.parameters().get(0).data(), b.parameters().get(0).data());
        assertNull(first.get(0).heldOut());
        assertEquals(2 * 2, steps.size(), "9 ratings in batches of 4: 4 + 5");
    }

    @Test
    void pairsBecomeAThumbUpAndAThumbDownEach() {
        TokenizedPreference pair = new TokenizedPreference(new int[] {3}, new int[] {4, 5}, new int[] {6});
        List<TokenizedFeedback> ratings = TokenizedFeedback.fromPairs(List.of(pair, pair));
        assertEquals(4, ratings.size());
        assertArrayEquals(new int[] {4, 5}, ratings.get(0).completion());
        assertTrue(ratings.get(0).desirable());
        assertArrayEquals(new int[] {6}, ratings.get(1).completion());
        assertTrue(!ratings.get(1).desirable());
        assertArrayEquals(new int[] {3}, ratings.get(3).prompt());
    }

    @Test
    void refusesTooFewRatings() {
        Gpt reference = Gpt.create(RlhfFixtures.tiny(), 1);
        TokenizedFeedback one = new TokenizedFeedback(new int[] {1}, new int[] {2}, true);
        assertThrows(IllegalArgumentException.class, () -> KtoTrainer.train(reference.copy(), reference, List.of(one), List.of(),
                UpdateSettings.defaults().ktoSettings(123, 1024), 0, KtoTrainer.Listener.NONE));
        assertThrows(IllegalArgumentException.class, () -> UpdateSettings.defaults().ktoSettings(123, 1024).with(s -> s.batchSize = 1));
        assertThrows(IllegalArgumentException.class, () -> new TokenizedFeedback(new int[] {1}, new int[0], true));
    }
}
