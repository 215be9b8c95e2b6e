package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.data.LengthGroups;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.GradientClipping;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreferenceTrainerTest {

    private static final PreferenceSettings SETTINGS = new PreferenceSettings(0.5, 3e-3f, 0.01f, 3, 4, 123, 1.0, 16);

    @Test
    void aFewDpoStepsRaiseTheChosenVersusRejectedMargin() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        List<TokenizedPreference> train = RlhfFixtures.politePairs(new Random(2), 24, 16);
        List<TokenizedPreference> heldOut = RlhfFixtures.politePairs(new Random(3), 12, 16);
        List<PreferenceTrainer.Step> steps = new ArrayList<>();
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, reference, train, heldOut, SETTINGS, 0, steps::add);

        assertEquals(4, epochs.size());
        assertEquals(3 * 6, steps.size());
        PreferenceTrainer.Epoch before = epochs.get(0);
        PreferenceTrainer.Epoch after = epochs.get(3);
        assertEquals(Math.log(2), before.heldOut().loss(), 1e-6);
        assertEquals(0, before.heldOut().klToReference(), 1e-9);
        assertTrue(after.train().margin() > before.train().margin() + 0.5, "train margin " + before.train() + " -> " + after.train());
        assertTrue(after.heldOut().margin() > 0.2, "held-out margin after DPO: " + after.heldOut());
        assertTrue(after.heldOut().loss() < before.heldOut().loss(), "held-out loss " + before.heldOut() + " -> " + after.heldOut());
        assertTrue(after.heldOut().klToReference() > 0, "the policy moved away from the reference");
    }

    @Test
    void measuringOnlyWhatAnUpdateReportsTrainsTheSamePolicy() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        List<TokenizedPreference> train = RlhfFixtures.politePairs(new Random(2), 24, 16);
        List<TokenizedPreference> heldOut = RlhfFixtures.politePairs(new Random(3), 12, 16);
        Gpt everyEpoch = reference.copy();
        Gpt reported = reference.copy();
        List<PreferenceTrainer.Epoch> all = PreferenceTrainer.dpo(everyEpoch, reference, train, heldOut, SETTINGS, 0, null, true,
                PreferenceTrainer.Listener.NONE);
        List<PreferenceTrainer.Epoch> few = PreferenceTrainer.dpo(reported, reference, train, heldOut, SETTINGS, 0, null, false,
                PreferenceTrainer.Listener.NONE);

        for (int i = 0; i < reference.parameters().size(); i++) {
            assertArrayEquals(everyEpoch.parameters().get(i).data(), reported.parameters().get(i).data(), "evaluating changes no weight");
        }
        assertEquals(all.get(0).heldOut().withKl(Double.NaN), few.get(0).heldOut(), "before training: the same, but no KL");
        assertEquals(all.get(3), few.get(3), "the last epoch measured alike");
        assertNull(few.get(0).train(), "no pass over the training pairs before");
        assertNull(few.get(1).heldOut());
        assertNull(few.get(2).heldOut());
        assertEquals(all.get(1).train(), few.get(1).train(), "the epochs' own step means are kept");
    }

    /** A policy with LoRA adapters: DPO trains only them, the base stays the reference it was copied from. */
    @Test
    void dpoWithLoraMovesOnlyTheAdapters() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 1);
        Gpt policy = reference.copy();
        policy.attachLora(LoraSettings.of(4).withAlpha(8), 5);
        List<TokenizedPreference> train = RlhfFixtures.politePairs(new Random(2), 24, 16);
        List<TokenizedPreference> heldOut = RlhfFixtures.politePairs(new Random(3), 12, 16);
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.dpo(policy, reference, train, heldOut, SETTINGS, 0,
                PreferenceTrainer.Listener.NONE);

        assertTrue(epochs.get(3).heldOut().loss() < epochs.get(0).heldOut().loss(), "held-out loss " + epochs.get(0).heldOut()
                + " -> " + epochs.get(3).heldOut());
        for (int i = 0; i < reference.parameters().size(); i++) {
            assertArrayEquals(reference.parameters().get(i).data(), policy.parameters().get(i).data(),
                    policy.parameters().get(i).name() + " is frozen");
        }
    }

    /**
     * Pairs of very different lengths: the step runs on groups of similar length, and their
     * gradients add up to one batch's; the trained policy is the one a single batch trains.
     */
    @Test
    void aStepInLengthGroupsIsTheStepOfOneBatch() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 6);
        Random random = new Random(8);
        List<TokenizedPreference> pairs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int answer = i % 2 == 0 ? 2 : 12;
            pairs.add(new TokenizedPreference(RlhfFixtures.randomIds(random, 3, 16), RlhfFixtures.randomIds(random, answer, 16),
                    RlhfFixtures.randomIds(random, answer, 16)));
        }
        int[] lengths = pairs.stream().mapToInt(p -> p.prompt().length + p.chosen().length).toArray();
        List<int[]> groups = LengthGroups.of(lengths, 2);
        assertTrue(groups.size() > 1, "the fixture splits");

        Gpt whole = reference.copy();
        Gpt grouped = reference.copy();
        Dpo wholeDpo = new Dpo(whole, reference, 0.5);
        Dpo groupedDpo = new Dpo(grouped, reference, 0.5);
        PairBatch batch = PairBatch.collate(pairs, 0, 16);
        whole.setTraining(true);
        whole.zeroGrad();
        PreferenceMetrics one = wholeDpo.forwardBackward(batch, wholeDpo.referenceLogProbs(batch), 1.0);
        grouped.setTraining(true);
        grouped.zeroGrad();
        double loss = 0;
        for (int[] group : groups) {
            List<TokenizedPreference> members = new ArrayList<>();
            for (int i : group) members.add(pairs.get(i));
            PairBatch part = PairBatch.collate(members, 0, 16);
            loss += groupedDpo.forwardBackward(part, groupedDpo.referenceLogProbs(part), group.length / 8.0).loss() * group.length / 8.0;
        }
        assertEquals(one.loss(), loss, 1e-6);
        for (int i = 0; i < whole.parameters().size(); i++) {
            float[] expected = whole.parameters().get(i).grad();
            float[] actual = grouped.parameters().get(i).grad();
            for (int j = 0; j < expected.length; j++) {
                assertEquals(expected[j], actual[j], 1e-6 + 1e-4 * Math.abs(expected[j]), whole.parameters().get(i).name() + "[" + j + "]");
            }
        }

        // the trainer's step (one batch of 8, one epoch) against the whole batch's gradient stepped by the same AdamW
        PreferenceSettings oneStep = SETTINGS.with(s -> { s.batchSize = 8; s.epochs = 1; });
        Gpt trained = reference.copy();
        PreferenceTrainer.dpo(trained, reference, pairs, List.of(), oneStep, 0, PreferenceTrainer.Listener.NONE);
        GradientClipping.clip(whole.trainableParameters(), oneStep.maxGradNorm());
        new AdamW(whole.trainableParameters(), new AdamWSettings(0.9f, 0.999f, 1e-8f, oneStep.weightDecay())).update(oneStep.learningRate());
        long differ = 0, total = 0;
        for (int i = 0; i < whole.parameters().size(); i++) {
            float[] expected = whole.parameters().get(i).data();
            float[] actual = trained.parameters().get(i).data();
            for (int j = 0; j < expected.length; j++, total++) {
                if (Math.abs(expected[j] - actual[j]) > 1e-6) differ++;
            }
        }
        // AdamW's first step is about lr·sign(g): only gradients within rounding of 0 may step the other way
        assertTrue(differ < total / 1000, differ + " of " + total + " weights differ");
    }

    @Test
    void dpoIsDeterministicAndLeavesTheReferenceAlone() {
        Gpt reference = Gpt.create(RlhfFixtures.small(), 4);
        float[] referenceWeights = reference.parameters().get(2).data().clone();
        List<TokenizedPreference> train = RlhfFixtures.politePairs(new Random(5), 10, 16);
        PreferenceSettings settings = SETTINGS.with(s -> s.epochs = 2);
        Gpt first = reference.copy();
        Gpt second = reference.copy();
        List<PreferenceTrainer.Epoch> a = PreferenceTrainer.dpo(first, reference, train, List.of(), settings, 0, PreferenceTrainer.Listener.NONE);
        List<PreferenceTrainer.Epoch> b = PreferenceTrainer.dpo(second, reference, train, List.of(), settings, 0, PreferenceTrainer.Listener.NONE);
        assertEquals(a, b);
        for (int i = 0; i < first.parameters().size(); i++) {
            assertArrayEquals(first.parameters().get(i).data(), second.parameters().get(i).data());
        }
        assertArrayEquals(referenceWeights, reference.parameters().get(2).data());
        PreferenceTrainer.Epoch shuffled = PreferenceTrainer.dpo(reference.copy(), reference, train, List.of(),
                settings.with(s -> s.seed = 99), 0, PreferenceTrainer.Listener.NONE).get(2);
        assertTrue(shuffled.train().loss() != a.get(2).train().loss(), "another seed, another order");
    }

    @Test
    void rewardModelLearnsAToyPreferenceAndGeneralises() {
        Gpt policy = Gpt.create(RlhfFixtures.small(), 6);
        RewardModel model = RewardModel.fromPolicy(policy, 7);
        List<TokenizedPreference> train = RlhfFixtures.politePairs(new Random(8), 32, 16);
        List<TokenizedPreference> heldOut = RlhfFixtures.politePairs(new Random(9), 16, 16);
        List<PreferenceTrainer.Epoch> epochs = PreferenceTrainer.rewardModel(model, train, heldOut,
                SETTINGS.with(s -> s.epochs = 4), 0, PreferenceTrainer.Listener.NONE);
        PreferenceTrainer.Epoch last = epochs.get(epochs.size() - 1);
        assertNotNull(last.heldOut());
        assertTrue(last.heldOut().accuracy() >= 0.9, "held-out accuracy " + epochs);
        assertTrue(last.heldOut().loss() < epochs.get(0).heldOut().loss(), "held-out loss " + epochs);
        for (Parameter p : policy.parameters()) {
            assertTrue(p.data() != model.backbone().parameters().get(policy.parameters().indexOf(p)).data());
        }
    }
}
