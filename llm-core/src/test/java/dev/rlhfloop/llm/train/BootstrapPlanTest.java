package dev.rlhfloop.llm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BootstrapPlanTest {

    @Test
    void theCoreCountChoosesThePresetAndSteps() {
        assertPlan(1, "nano", 280, 562);
        assertPlan(2, "nano", 560, 1125);
        assertPlan(3, "nano", 560, 1125);
        assertPlan(4, "nano", 1120, 2250);
        assertPlan(6, "nano", 1120, 2250);
        assertPlan(7, "small", 560, 1125);
        assertPlan(8, "small", 560, 1125);
        assertPlan(64, "small", 560, 1125);
        assertThrows(IllegalArgumentException.class, () -> BootstrapPlan.forCores(0));
    }

    @Test
    void theTwoCoreRowIsTheMeasuredRunAndTheReasonSaysWhy() {
        BootstrapPlan two = BootstrapPlan.forCores(2);
        Bootstrap.Settings measured = Bootstrap.Settings.nano();
        assertEquals(measured, two.settings());
        assertEquals("nano, 560 pretraining + 1125 SFT steps (2 cores: 2 or 3: the measured nano run of docs/training.md)", two.describe());
        assertEquals(6, BootstrapPlan.forCores(8).settings().pretraining().model().layers());
    }

    @Test
    void setStepsReplaceTheRulesAndSaySo() {
        BootstrapPlan set = BootstrapPlan.forCores(8).withSteps(80, null);
        assertEquals("small", set.preset());
        assertEquals(80, set.pretrainSteps());
        assertEquals(1125, set.sftSteps());
        assertTrue(set.describe().endsWith("; steps set to 80 + 1125)"), set.describe());
        assertEquals(BootstrapPlan.forCores(2), BootstrapPlan.forCores(2).withSteps(null, null));
    }

    @Test
    void trainingCoresAreCappedByTheKernelThreads() {
        int cores = BootstrapPlan.trainingCores();
        assertTrue(cores >= 1 && cores <= Runtime.getRuntime().availableProcessors() && cores <= dev.rlhfloop.llm.tensor.Parallel.threads());
    }

    private static void assertPlan(int cores, String preset, int pretrain, int sft) {
        BootstrapPlan plan = BootstrapPlan.forCores(cores);
        assertEquals(preset, plan.preset(), plan.describe());
        assertEquals(pretrain, plan.pretrainSteps(), plan.describe());
        assertEquals(sft, plan.sftSteps(), plan.describe());
        assertEquals(cores, plan.cores());
    }
}
