package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SFT mix on a tiny random model: its step, and that it holds the SFT loss in every algorithm's update. */
class SftMixerTest {
    private static final GptConfig TINY = GptConfig.of(48, 32, 16, 2, 1);
    private static final int END_OF_TEXT = 47;
    private static final long SEED = 99;

    /** Instruction examples whose answers follow a fixed pattern (the prompt's tokens + 20), which the SFT loss teaches. */
    static List<InstructionLoader.Encoded> instructions() {
        List<InstructionLoader.Encoded> examples = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int[] tokens = {1, 2 + i % 5, 3 + i % 7, 22 + i % 5, 23 + i % 7};
            examples.add(new InstructionLoader.Encoded(tokens, 3));
        }
        return examples;
    }

    @Test
    void aStepDescendsTheSftLossOfItsDrawAndTheSameSeedDrawsTheSame() {
        List<InstructionLoader.Encoded> all = instructions();
        Gpt policy = Gpt.create(TINY, 3);
        Gpt twin = Gpt.create(TINY, 3);
        double before = sftLoss(policy);

        SftMixer mixer = SftMixer.of(new UpdateSettings.SftMix(1e-2f, all.size()), all, END_OF_TEXT, 32, SEED);
        float loss = mixer.step(policy);
        assertEquals(before, loss, 1e-5, "drawing every example, the step's loss is the set's (rows in another order), before the step");
        assertTrue(sftLoss(policy) < before, "the step lowered the SFT loss: " + sftLoss(policy) + " from " + before);
        assertEquals(loss, mixer.meanLoss(), 1e-9);

        SftMixer again = SftMixer.of(new UpdateSettings.SftMix(1e-2f, all.size()), all, END_OF_TEXT, 32, SEED);
        again.step(twin);
        assertTrue(PolicyUpdateTest.sameWeights(policy.parameters(), twin.parameters()), "the same seed and examples: the same step");

        SftMixer four = SftMixer.of(new UpdateSettings.SftMix(1e-2f, 4), all, END_OF_TEXT, 32, SEED);
        assertEquals(4, four.nextDraw().size(), "examples per step");
    }

    @Test
    void offWithoutACoefficientOrWithoutExamples() {
        assertNull(SftMixer.of(new UpdateSettings.SftMix(0f, 8), instructions(), END_OF_TEXT, 32, SEED));
        assertNull(SftMixer.of(new UpdateSettings.SftMix(1e-4f, 8), List.of(), END_OF_TEXT, 32, SEED));
        assertFalse(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.sftMix.learningRate = 1e-2f)).mixesSft(), "no examples, nothing to mix");
        assertTrue(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.sftMix.learningRate = 1e-2f), instructions()).mixesSft());
    }

    private static double sftLoss(Gpt model) {
        model.setTraining(false);
        return model.loss(InstructionLoader.collate(instructions(), END_OF_TEXT, 32));
    }

    private record Outcome(Gpt policy, Map<String, Double> metrics) {}

    private static Outcome update(UpdateSettings settings) {
        Gpt reference = Gpt.create(TINY, 11);
        PolicyUpdate update = new PolicyUpdate(settings, instructions());
        Gpt policy = update.newPolicy(reference, SEED);
        Map<String, Double> metrics = update.run(policy, reference, update.newRewardModel(reference, 1234), PolicyUpdateTest.pairs(),
                END_OF_TEXT, SEED, PolicyUpdate.Progress.NONE);
        return new Outcome(policy, metrics);
    }

    @Test
    void everyAlgorithmsUpdateMixesItInAndEndsNearerTheSftData() {
        for (PolicyAlgorithm algorithm : PolicyAlgorithm.values()) {
            UpdateSettings base = PolicyUpdateTest.SMALL_RLOO.with(s -> {
                s.algorithm = algorithm;
                s.dpo.learningRate = 1e-3f;
                s.kto.learningRate = 1e-3f;
                s.ppo.learningRate = 1e-3f;
                s.grpo.learningRate = 1e-3f;
                s.sftMix.learningRate = 0;
                s.sftMix.examples = 4;
            });
            Outcome without = update(base);
            Outcome with = update(base.with(s -> s.sftMix.learningRate = 1e-2f));
            Outcome again = update(base.with(s -> s.sftMix.learningRate = 1e-2f));

            assertFalse(without.metrics().containsKey("sftMixLoss"), algorithm + ": " + without.metrics());
            assertTrue(with.metrics().get("sftMixLoss") > 0, algorithm + ": " + with.metrics());
            assertTrue(sftLoss(with.policy()) < sftLoss(without.policy()),
                    algorithm + ": the SFT loss after the update with the mix, " + sftLoss(with.policy()) + ", is below the one without, "
                            + sftLoss(without.policy()));
            assertTrue(PolicyUpdateTest.sameWeights(with.policy().parameters(), again.policy().parameters()),
                    algorithm + ": the same update again gives the same weights, bit for bit");
        }
    }
}
