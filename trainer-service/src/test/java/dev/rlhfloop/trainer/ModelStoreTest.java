package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

    private static ModelVersion version(String line, int number) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, line + "-" + number, line, line + "-" + (number - 1), Algorithm.DPO,
                new ModelVersion.TrainedOn(4L * number, 4, Map.of("rlhf.preference-pairs:0", 4L * number)), Map.of(),
                new ModelVersion.Weights("http://127.0.0.1/" + number, "0".repeat(64)), Instant.EPOCH);
    }

    private static ModelStore.Checkpoint commitWithRewardModel(ModelStore store, String line, int number) throws Exception {
        Path staged = store.staging(line, number);
        Files.createDirectories(staged.resolve(ModelStore.REWARD_MODEL_DIR));
        Files.writeString(staged.resolve(ModelStore.REWARD_MODEL_DIR).resolve("head"), "state " + number);
        return store.commit(staged, number, version(line, number));
    }

    @Test
    void onlyTheLatestVersionOfALineKeepsItsRewardModel(@TempDir Path root) throws Exception {
        ModelStore store = new ModelStore(root);
        commitWithRewardModel(store, "live", 2);
        commitWithRewardModel(store, "other", 2);
        commitWithRewardModel(store, "live", 3);
        ModelStore.Checkpoint latest = commitWithRewardModel(store, "live", 4);

        assertEquals(List.of(2, 3, 4), store.checkpoints("live").stream().map(ModelStore.Checkpoint::number).toList(),
                "every version stays (inference may still download its weights)");
        assertEquals("state 4", Files.readString(store.latest("live").orElseThrow().rewardModelDir().resolve("head")));
        assertEquals(latest.directory(), store.latest("live").orElseThrow().directory());
        for (ModelStore.Checkpoint older : store.checkpoints("live").subList(0, 2)) {
            assertFalse(Files.exists(older.rewardModelDir()), "version " + older.number() + " dropped its reward model");
        }
        assertTrue(Files.exists(store.latest("other").orElseThrow().rewardModelDir()), "another line keeps its own");
    }

    @Test
    void aVersionAnnouncedBeforeItsRewardModelKeepsWhatARestartTrainsItFrom(@TempDir Path root) throws Exception {
        ModelStore store = new ModelStore(root);
        commitWithRewardModel(store, "live", 2);
        Path staged = store.staging("live", 3);
        List<TokenizedPreference> batch = List.of(new TokenizedPreference(new int[] {1, 2}, new int[] {3, 4}, new int[] {5}, 0.5),
                new TokenizedPreference(new int[] {1}, new int[] {6}, new int[] {7, 8}, 1.0, new int[] {9, 1}));
        ModelStore.writeRewardModelBatch(staged, batch);
        ModelVersion announced = new ModelVersion(ModelVersion.SCHEMA_VERSION, "live-3", "live", "live-2", Algorithm.DPO,
                ModelVersion.TrainedOn.NOTHING, Map.of("dpoLoss", 0.5), new ModelVersion.Weights("http://127.0.0.1/3", "0".repeat(64)),
                Instant.EPOCH, null, ModelVersion.RewardModelState.TRAINING);
        ModelStore.Checkpoint v3 = store.commit(staged, 3, announced);

        ModelStore.Checkpoint restarted = store.latest("live").orElseThrow();
        assertTrue(restarted.version().rewardModelFollows());
        assertTrue(Files.exists(store.checkpoints("live").get(0).rewardModelDir()), "version 2 keeps the reward model 3's trains from");
        List<TokenizedPreference> read = ModelStore.readRewardModelBatch(restarted);
        assertEquals(batch.size(), read.size());
        for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(batch.get(i).prompt(), read.get(i).prompt());
            assertArrayEquals(batch.get(i).chosen(), read.get(i).chosen());
            assertArrayEquals(batch.get(i).rejected(), read.get(i).rejected());
            assertArrayEquals(batch.get(i).rejectedPrompt(), read.get(i).rejectedPrompt());
            assertEquals(batch.get(i).weight(), read.get(i).weight());
        }

        ModelStore.Checkpoint complete = store.addRewardModel(v3, announced.withRewardModel(Map.of("rewardAccuracy", 0.75)),
                dir -> {
                    Files.createDirectories(dir);
                    for (String name : RewardModel.ARCHIVE_FILES) Files.writeString(dir.resolve(name), "trained " + name);
                });
        ModelVersion onDisk = store.latest("live").orElseThrow().version();
        assertEquals(complete.version(), onDisk);
        assertEquals(ModelVersion.RewardModelState.PUBLISHED, onDisk.rewardModel());
        assertEquals(Map.of("dpoLoss", 0.5, "rewardAccuracy", 0.75), onDisk.metrics());
        assertTrue(Files.isRegularFile(complete.rewardModelArchive()));
        assertFalse(Files.exists(complete.directory().resolve(ModelStore.REWARD_MODEL_BATCH)));
        assertFalse(Files.exists(store.checkpoints("live").get(0).rewardModelDir()), "then version 2 drops its reward model");
    }
}
