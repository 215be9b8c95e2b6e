package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rlhfloop.llm.train.Bootstrap;
import dev.rlhfloop.llm.train.BootstrapPlan;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The trainer's bootstrap follows the core-count rule unless a setting names a preset or steps; the cores are injected. */
class BootstrapperTest {

    @Test
    void autoFollowsTheCoresAndSetStepsReplaceTheRules() {
        assertEquals(BootstrapPlan.forCores(1), Bootstrapper.plan(bootstrap("auto", null, null), 1));
        assertEquals(BootstrapPlan.forCores(2), Bootstrapper.plan(bootstrap("auto", null, null), 2));
        BootstrapPlan eight = Bootstrapper.plan(bootstrap("auto", null, null), 8);
        assertEquals("small", eight.preset());
        assertEquals("small, 560 pretraining + 1125 SFT steps (8 cores: 7 or more: the small preset (6 layers x 384), about 3.5x nano's "
                + "work per step, at the 2-core step counts)", eight.describe());
        BootstrapPlan set = Bootstrapper.plan(bootstrap("auto", 80, 40), 8);
        assertEquals(80, set.pretrainSteps());
        assertEquals(40, set.sftSteps());
        assertEquals("small", set.preset());
    }

    @Test
    void aNamedPresetKeepsItsSizeWhateverTheCores() {
        BootstrapPlan nano = Bootstrapper.plan(bootstrap("nano", 80, 40), 16);
        assertEquals("nano", nano.preset());
        assertEquals(80, nano.pretrainSteps());
        assertEquals("nano, 80 pretraining + 40 SFT steps (16 cores: the preset rlhf.trainer.bootstrap.size names; steps set to 80 + 40)",
                nano.describe());
        assertEquals(6, Bootstrapper.settings(Bootstrapper.plan(bootstrap("tiny", null, null), 2), bootstrap("tiny", null, null))
                .pretraining().run().steps());
        assertEquals("rlhf.trainer.bootstrap.size must be auto, nano, small or tiny, was 'huge'",
                assertThrows(IllegalArgumentException.class, () -> Bootstrapper.plan(bootstrap("huge", null, null), 2)).getMessage());
    }

    @Test
    void theSftRateIsTheRecipesUnlessSet() {
        TrainerConfig.Bootstrap recipe = bootstrap("nano", 80, 40);
        assertEquals(2e-4f, Bootstrapper.settings(Bootstrapper.plan(recipe, 2), recipe).finetuning().run().learningRate());
        TrainerConfig.Bootstrap set = bootstrap("nano", 80, 40, 1e-3f);
        Bootstrap.Settings settings = Bootstrapper.settings(Bootstrapper.plan(set, 2), set);
        assertEquals(1e-3f, settings.finetuning().run().learningRate());
        assertEquals(40, settings.finetuning().run().steps(), "only the rate changes");
    }

    private static TrainerConfig.Bootstrap bootstrap(String size, Integer pretrainSteps, Integer sftSteps) {
        return bootstrap(size, pretrainSteps, sftSteps, null);
    }

    private static TrainerConfig.Bootstrap bootstrap(String size, Integer pretrainSteps, Integer sftSteps, Float sftRate) {
        return new TrainerConfig.Bootstrap() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public String size() {
                return size;
            }

            @Override
            public Optional<Integer> pretrainSteps() {
                return Optional.ofNullable(pretrainSteps);
            }

            @Override
            public Optional<Integer> sftSteps() {
                return Optional.ofNullable(sftSteps);
            }

            @Override
            public Optional<Float> sftLearningRate() {
                return Optional.ofNullable(sftRate);
            }
        };
    }
}
