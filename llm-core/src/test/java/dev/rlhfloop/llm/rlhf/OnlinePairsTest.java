package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RM-labelled online pairs on a tiny random policy: which answers make the pair, the seeds, the weight of the online step. */
class OnlinePairsTest {
    private static final GptConfig TINY = GptConfig.of(48, 32, 16, 2, 1);
    private static final int END_OF_TEXT = 47;
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 2, 3}, new int[] {4, 9, 10, 11}, new int[] {12, 13});
    private static final UpdateSettings.Online ONLINE = new UpdateSettings.Online(4, 0, 1.0, 6, 1f, 0);

    /** A scorer the test can reason about: more of token 5 is better, and among equals a longer answer. */
    private static final Rloo.Reward FIVES = (prompts, responses) -> responses.stream()
            .mapToDouble(r -> Arrays.stream(r).filter(t -> t == 5).count() + 0.01 * r.length).toArray();

    private static double score(int[] answer) {
        return FIVES.score(List.of(new int[] {1}), List.of(answer))[0];
    }

    @Test
    void eachPairIsTheBestAgainstTheWorstOfThePromptsSamplesByTheReward() {
        Gpt policy = Gpt.create(TINY, 3);
        OnlinePairs.Result result = OnlinePairs.build(policy, FIVES, PROMPTS, ONLINE, 99, END_OF_TEXT);
        List<int[][]> samples = OnlinePairs.sample(policy, PROMPTS, 4, ONLINE, 99, END_OF_TEXT);
        assertEquals(3, result.prompts());
        assertFalse(result.pairs().isEmpty(), "a random policy's four answers differ in score");
        double gaps = 0;
        for (TokenizedPreference pair : result.pairs()) {
            int p = PROMPTS.indexOf(PROMPTS.stream().filter(q -> Arrays.equals(q, pair.prompt())).findFirst().orElseThrow());
            double[] scores = Arrays.stream(samples.get(p)).mapToDouble(OnlinePairsTest::score).toArray();
            assertEquals(Arrays.stream(scores).max().orElseThrow(), score(pair.chosen()), 1e-12, "chosen: the best of prompt " + p);
            assertEquals(Arrays.stream(scores).min().orElseThrow(), score(pair.rejected()), 1e-12, "rejected: the worst of prompt " + p);
            assertTrue(score(pair.chosen()) > score(pair.rejected()));
            gaps += score(pair.chosen()) - score(pair.rejected());
        }
        assertEquals(gaps / result.pairs().size(), result.meanGap(), 1e-12);
    }

    @Test
    void aPromptWhoseAnswersAllScoreAlikeGivesNoPair() {
        OnlinePairs.Result result = OnlinePairs.build(Gpt.create(TINY, 3), (prompts, responses) -> new double[responses.size()], PROMPTS,
                ONLINE, 99, END_OF_TEXT);
        assertTrue(result.pairs().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new UpdateSettings.Online(1, 0, 1.0, 6, 1f, 0), "k = 1 has no worst");
    }

    @Test
    void theSamePolicyPromptsAndSeedGiveTheSamePairsAnotherSeedOthers() {
        Gpt policy = Gpt.create(TINY, 3);
        List<TokenizedPreference> a = OnlinePairs.build(policy, FIVES, PROMPTS, ONLINE, 99, END_OF_TEXT).pairs();
        List<TokenizedPreference> b = OnlinePairs.build(policy, FIVES, PROMPTS, ONLINE, 99, END_OF_TEXT).pairs();
        List<TokenizedPreference> c = OnlinePairs.build(policy, FIVES, PROMPTS, ONLINE, 100, END_OF_TEXT).pairs();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).chosen(), b.get(i).chosen());
            assertArrayEquals(a.get(i).rejected(), b.get(i).rejected());
        }
        assertFalse(a.size() == c.size() && java.util.stream.IntStream.range(0, a.size())
                .allMatch(i -> Arrays.equals(a.get(i).chosen(), c.get(i).chosen()) && Arrays.equals(a.get(i).rejected(), c.get(i).rejected())));
    }

    @Test
    void freshPromptsAreDrawnFromTheSeedLeavingOutTheBatchsOwn() {
        List<int[]> pool = List.of(new int[] {1, 2, 3}, new int[] {20}, new int[] {21}, new int[] {22, 23, 24, 25}, new int[] {26});
        // the batch's prompts come cut to the same room, so {1, 2, 3} is the batch's {2, 3}
        List<int[]> batch = List.of(new int[] {2, 3});
        List<int[]> drawn = OnlinePairs.fresh(pool, 3, batch, 2, 5);
        assertEquals(3, drawn.size());
        for (int[] prompt : drawn) {
            assertFalse(Arrays.equals(prompt, new int[] {2, 3}), "the batch's prompt is not fresh");
            assertTrue(prompt.length <= 2, "cut to the room left for the answer");
        }
        List<int[]> again = OnlinePairs.fresh(pool, 3, batch, 2, 5);
        for (int i = 0; i < 3; i++) assertArrayEquals(drawn.get(i), again.get(i));
        assertEquals(4, OnlinePairs.fresh(pool, 10, batch, 2, 5).size(), "no more than the pool holds beside the batch");
    }

    private record Updated(Gpt policy, Map<String, Double> metrics) {}

    private static Updated update(UpdateSettings settings) {
        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(settings);
        Gpt policy = update.newPolicy(reference, 5);
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference, 1234), null, PolicyUpdateTest.pairs(), null,
                List.of(new int[] {30, 31}, new int[] {32, 33, 34}), END_OF_TEXT, 77, PolicyUpdate.Progress.NONE);
        return new Updated(policy, metrics);
    }

    private static UpdateSettings online(double weight) {
        return UpdateSettings.defaults().with(s -> {
            s.batchSize = 4;
            s.online.samples = 4;
            s.online.prompts = 2;
            s.online.maxNewTokens = 6;
            s.online.weight = weight;
        });
    }

    private static double distance(Gpt a, Gpt b) {
        double sum = 0;
        List<Parameter> pa = a.parameters(), pb = b.parameters();
        for (int i = 0; i < pa.size(); i++) {
            float[] x = pa.get(i).data(), y = pb.get(i).data();
            for (int j = 0; j < x.length; j++) sum += (double) (x[j] - y[j]) * (x[j] - y[j]);
        }
        return Math.sqrt(sum);
    }

    @Test
    void aDpoUpdateTrainsOnTheOnlinePairsAfterTheHumanOnesByTheirWeightAndRepeatsBitForBit() {
        Updated humanOnly = update(UpdateSettings.defaults().with(s -> s.batchSize = 4));
        Updated light = update(online(0.25));
        Updated heavy = update(online(4));
        assertFalse(humanOnly.metrics().containsKey("onlinePairs"), "off by default");
        assertEquals(3 + 2, light.metrics().get("onlinePrompts"), "the batch's three prompts and two fresh ones");
        assertTrue(light.metrics().get("onlinePairs") > 0, light.metrics().toString());
        assertTrue(light.metrics().containsKey("onlineDpoLoss"));
        // the human pass is the same in all three; the online pass moves the policy on, further with a heavier weight
        double lightStep = distance(light.policy(), humanOnly.policy());
        double heavyStep = distance(heavy.policy(), humanOnly.policy());
        assertTrue(lightStep > 0);
        assertTrue(heavyStep > 4 * lightStep, "16x the learning rate: " + heavyStep + " vs " + lightStep);
        assertTrue(PolicyUpdateTest.sameWeights(light.policy().parameters(), update(online(0.25)).policy().parameters()), "bit for bit");
    }
}
