package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
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
}
