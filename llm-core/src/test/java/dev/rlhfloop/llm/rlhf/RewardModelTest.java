package dev.rlhfloop.llm.rlhf;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GradCheck;
import dev.rlhfloop.llm.model.Parameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardModelTest {

    @Test
    void bradleyTerryGradientMatchesFiniteDifferences() {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 1);
        RlhfFixtures.scaleUp(policy, 2);
        RewardModel model = RewardModel.fromPolicy(policy, 3);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(4), 3, 13), RlhfFixtures.PAD, 12);
        model.zeroGrad();
        model.forwardBackward(pairs, 1.0);
        for (Parameter p : model.parameters()) {
            if (p.name().equals("ln_f.bias")) {
                // Shifting the final bias adds w·Δ to every reward alike, which the pairwise loss
                // cannot see: its gradient is exactly zero, and finite differences are only noise.
                for (float g : p.grad()) {
                    assertEquals(0f, g, 1e-6f);
                }
                continue;
            }
            GradCheck.check("reward model " + p.name(), p.data(), p.grad().clone(), () -> model.evaluate(pairs).loss(), 30);
        }
    }

    @Test
    void readsTheLastRealTokenWhateverThePadding() {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 5);
        RlhfFixtures.scaleUp(policy, 6);
        RewardModel model = RewardModel.fromPolicy(policy, 7);
        TokenizedPreference shortPair = new TokenizedPreference(new int[] {3}, new int[] {4}, new int[] {5, 6});
        TokenizedPreference longPair = new TokenizedPreference(new int[] {2, 2, 2}, new int[] {7, 7, 7, 7}, new int[] {8});
        double[] alone = model.rewards(PairBatch.collate(List.of(shortPair), RlhfFixtures.PAD, 12));
        double[] padded = model.rewards(PairBatch.collate(List.of(shortPair, longPair), 9, 12));
        assertEquals(alone[0], padded[0], 1e-5);
        assertEquals(alone[1], padded[2], 1e-5);
        // and it is not the reward of some other position: dropping the last token changes it
        double[] shorter = model.rewards(PairBatch.collate(List.of(new TokenizedPreference(new int[] {3}, new int[] {4}, new int[] {5})), 0, 12));
        assertNotEquals(alone[1], shorter[1], 1e-6);
    }

    @Test
    void copiesThePolicyAndLeavesItAlone() {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 8);
        float[] before = policy.parameters().get(0).data().clone();
        RewardModel model = RewardModel.fromPolicy(policy, 9);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(10), 2, 13), 0, 12);
        model.zeroGrad();
        model.forwardBackward(pairs, 1.0);
        model.backbone().parameters().get(0).data()[0] += 1f;
        assertArrayEquals(before, policy.parameters().get(0).data());
        assertTrue(model.head().hasGrad());
    }

    @Test
    void savesAndLoadsTheSameRewards(@TempDir Path dir) throws IOException {
        Gpt policy = Gpt.create(RlhfFixtures.tiny(), 11);
        RlhfFixtures.scaleUp(policy, 12);
        RewardModel model = RewardModel.fromPolicy(policy, 13);
        PairBatch pairs = PairBatch.collate(RlhfFixtures.randomPairs(new Random(14), 3, 13), 0, 12);
        double[] expected = model.rewards(pairs);
        model.save(dir);
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve(RewardModel.HEAD_FILE)));
        assertArrayEquals(expected, RewardModel.load(dir).rewards(pairs), 0.0);
    }

    @Test
    void loadingAPlainModelDirectoryIsAClearError(@TempDir Path dir) throws IOException {
        dev.rlhfloop.llm.model.GptCheckpoint.save(Gpt.create(RlhfFixtures.tiny(), 1), dir);
        IOException e = assertThrows(IOException.class, () -> RewardModel.load(dir));
        assertTrue(e.getMessage().contains(RewardModel.HEAD_FILE), e.getMessage());
    }

    @Test
    void backwardWithoutForwardIsAClearError() {
        RewardModel model = RewardModel.fromPolicy(Gpt.create(RlhfFixtures.tiny(), 1), 1);
        assertThrows(IllegalStateException.class, () -> model.backwardRewards(new double[2]));
    }
}
