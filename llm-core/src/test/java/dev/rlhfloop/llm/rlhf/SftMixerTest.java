package dev.rlhfloop.llm.rlhf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.InstructionLoader;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SFT mix on a tiny random model: the gradient it adds, and that it holds the SFT loss in every algorithm's update. */
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

    private static float[][] gradients(Gpt model) {
        List<Parameter> parameters = model.trainableParameters();
        float[][] copies = new float[parameters.size()][];
        for (int i = 0; i < copies.length; i++) copies[i] = parameters.get(i).grad().clone();
        return copies;
    }

    @Test
    void addsTheCoefficientTimesTheGradientOfTheSftLossOnItsDraw() {
        Gpt policy = Gpt.create(TINY, 3);
        List<InstructionLoader.Encoded> all = instructions();

        policy.zeroGrad();
        SftMixer once = SftMixer.of(new UpdateSettings.SftMix(1, all.size()), all, END_OF_TEXT, 32, SEED);
        float loss = once.addGradient(policy);
        float[][] single = gradients(policy);

        policy.zeroGrad();
        SftMixer twice = SftMixer.of(new UpdateSettings.SftMix(2, all.size()), all, END_OF_TEXT, 32, SEED);
        assertEquals(loss, twice.addGradient(policy), "the same seed draws the same examples");
        float[][] doubled = gradients(policy);
        for (int p = 0; p < single.length; p++) {
            for (int i = 0; i < single[p].length; i++) assertEquals(2 * single[p][i], doubled[p][i], "coefficient 2 doubles the gradient");
        }

        // drawing every example, the loss is the SFT loss of the whole set (rows in another order)
        policy.zeroGrad();
        float whole = policy.loss(InstructionLoader.collate(all, END_OF_TEXT, 32));
        assertEquals(whole, loss, 1e-5);
        policy.backward();
        float[][] direct = gradients(policy);
        for (int p = 0; p < single.length; p++) {
            for (int i = 0; i < single[p].length; i++) assertEquals(direct[p][i], single[p][i], 1e-5, "parameter " + p + "[" + i + "]");
        }
        assertEquals(loss, once.meanLoss(), 1e-9);
    }

    @Test
    void offWithoutACoefficientOrWithoutExamples() {
        assertNull(SftMixer.of(new UpdateSettings.SftMix(0, 8), instructions(), END_OF_TEXT, 32, SEED));
        assertNull(SftMixer.of(new UpdateSettings.SftMix(1, 8), List.of(), END_OF_TEXT, 32, SEED));
        assertFalse(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.sftMix.coefficient = 1)).mixesSft(), "no examples, nothing to mix");
        assertTrue(new PolicyUpdate(UpdateSettings.defaults().with(s -> s.sftMix.coefficient = 1), instructions()).mixesSft());
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
                s.sftMix.examples = 4;
            });
            Outcome without = update(base);
            Outcome with = update(base.with(s -> s.sftMix.coefficient = 1));
            Outcome again = update(base.with(s -> s.sftMix.coefficient = 1));

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
