package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import java.time.Duration;
import java.util.List;

/** What the trainer's Kafka tests read from the registry topic. */
final class RegistryReads {
    private RegistryReads() {}

    /** The first announcement of {@code versionId} on {@code rlhf.model-versions}, waiting up to {@code wait}. */
    static ModelVersion awaitVersion(String bootstrapServers, String versionId, Duration wait) {
        List<ModelVersion> all = KafkaTestClient.readUntil(bootstrapServers, Topics.MODEL_VERSIONS, ModelVersion.class,
                v -> v.stream().anyMatch(x -> x.versionId().equals(versionId)), wait);
        return all.stream().filter(x -> x.versionId().equals(versionId)).findFirst()
                .orElseThrow(() -> new AssertionError("version " + versionId + " was not published"));
    }

    /** Every entry of {@code versionId} on {@code rlhf.model-versions}, in their order, once one says its reward model is published. */
    static List<ModelVersion> awaitRewardModel(String bootstrapServers, String versionId, Duration wait) {
        List<ModelVersion> all = KafkaTestClient.readUntil(bootstrapServers, Topics.MODEL_VERSIONS, ModelVersion.class,
                v -> v.stream().anyMatch(x -> x.versionId().equals(versionId) && x.rewardModel() == ModelVersion.RewardModelState.PUBLISHED),
                wait);
        List<ModelVersion> entries = all.stream().filter(x -> x.versionId().equals(versionId)).toList();
        if (entries.stream().noneMatch(x -> x.rewardModel() == ModelVersion.RewardModelState.PUBLISHED)) {
            throw new AssertionError("the reward model of version " + versionId + " was not published: " + entries);
        }
        return entries;
    }
}
