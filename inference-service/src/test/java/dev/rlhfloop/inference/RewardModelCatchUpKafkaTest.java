package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A best-of-n service starting while the newest version's reward model is still training: it serves
 * that version and chooses answers by the newest reward model published, an older version's.
 */
@QuarkusTest
@TestProfile(BestOfKafkaTest.BestOfFour.class)
@WithTestResource(RewardModelCatchUpKafkaTest.NewestRewardModelStillTraining.class)
class RewardModelCatchUpKafkaTest {

    /**
     * v2 announced, then its reward model published (a second entry); v3 announced with its reward
     * model still training (its archive already on disk, which the entry says not to take yet).
     */
    public static class NewestRewardModelStillTraining extends VersionsOnTheRegistry {
        @Override
        protected List<ModelVersion> versions(Path work) {
            ModelVersion v2 = TinyModels.packedWithRewardModel(work, "v2", 2, 22, "live");
            return List.of(TinyModels.packed(work, "v1", 1, "live"), TinyModels.withRewardModel(v2, ModelVersion.RewardModelState.TRAINING),
                    TinyModels.withRewardModel(v2, ModelVersion.RewardModelState.PUBLISHED),
                    TinyModels.withRewardModel(TinyModels.packedWithRewardModel(work, "v3", 3, 33, "live"), ModelVersion.RewardModelState.TRAINING));
        }
    }

    @Inject
    ModelRegistry registry;

    @Inject
    RewardModels rewardModels;

    @Test
    void servesTheNewestVersionWithTheNewestRewardModelPublished() {
        KafkaTestClient.await("v3 served with a reward model", Duration.ofSeconds(60),
                () -> registry.hasModel() && registry.current().versionId().equals("v3") && rewardModels.latest().isPresent());
        assertEquals("v2", rewardModels.latest().orElseThrow().versionId());
    }
}
