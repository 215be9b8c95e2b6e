package dev.rlhfloop.inference;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.Selection;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.llm.rlhf.CandidateChoice;
import dev.rlhfloop.llm.sample.SamplingSettings;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Best-of-n serving on a real broker: a version published with a reward model beside its weights is
 * hot-loaded with it, and each answer shown is the one of n candidates that reward model scores
 * highest; its generation event says so, and its seed reproduces it.
 */
@QuarkusTest
@TestProfile(BestOfKafkaTest.BestOfFour.class)
@WithTestResource(BestOfKafkaTest.VersionWithRewardModel.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BestOfKafkaTest {
    static final int N = 4;

    public static class BestOfFour implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.inference.best-of", Integer.toString(N));
        }
    }

    /** The broker, with v1 (no reward model: the SFT model) and v2 (with one) on the registry. */
    public static class VersionWithRewardModel extends VersionsOnTheRegistry {
        @Override
        protected List<ModelVersion> versions(Path work) {
            return List.of(TinyModels.packed(work, "v1", 1, "live"), TinyModels.packedWithRewardModel(work, "v2", 2, 22, "live"));
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    ModelRegistry registry;

    @Inject
    RewardModels rewardModels;

    @Inject
    InferenceConfig config;

    @Test
    @Order(1)
    void theAnswerShownIsTheCandidateTheRewardModelScoresHighest() {
        KafkaTestClient.await("v2 and its reward model", Duration.ofSeconds(60), () -> registry.find("v2").isPresent()
                && rewardModels.latest().map(r -> r.versionId().equals("v2")).orElse(false));
        String prompt = "Name an animal that lives on a farm.";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(given().contentType(ContentType.JSON).body("{\"prompt\": \"" + prompt + "\"}")
                    .post("/api/comparisons").then().statusCode(201).extract().jsonPath().getString("id"));
        }
        List<GenerationEvent> events = KafkaTestClient.readUntil(bootstrap, Topics.GENERATIONS, GenerationEvent.class,
                        all -> all.stream().filter(e -> ids.contains(e.comparisonId())).count() == 2L * ids.size(), Duration.ofSeconds(90))
                .stream().filter(e -> ids.contains(e.comparisonId())).toList();

        ServedModel v2 = registry.find("v2").orElseThrow();
        int[] promptIds = ConversationPrompt.fit(v2, List.of(), prompt, config.sampling().maxNewTokens()).tokenIds();
        int notFirst = 0;
        for (GenerationEvent event : events) {
            assertEquals("v2", event.answer().modelVersion());
            Selection selection = event.selection();
            assertEquals(Selection.Method.BEST_OF, selection.method());
            assertEquals(N, selection.candidates());
            assertEquals("v2", selection.rewardModelVersion());
            // the n candidates again, from the seeds the event records, and the reward model's scores of them
            SamplingSettings first = new SamplingSettings((float) event.sampling().temperature(), event.sampling().topK(),
                    (float) event.sampling().topP(), event.sampling().maxNewTokens(), selection.firstSeed(), v2.tokenizer().endOfTextId());
            List<AnswerGenerator.Result> candidates = new ArrayList<>();
            for (int k = 0; k < N; k++) {
                candidates.add(AnswerGenerator.generate(v2, promptIds, first.withSeed(CandidateChoice.candidateSeed(selection.firstSeed(), k)),
                        piece -> {}));
            }
            double[] rewards = RewardModels.score(rewardModels.latest().orElseThrow(), promptIds, candidates.stream()
                    .map(c -> c.tokenIds().stream().mapToInt(Integer::intValue).toArray()).toList());
            int best = CandidateChoice.best(rewards);
            assertEquals(candidates.get(best).text(), event.answer().text(), "rewards " + java.util.Arrays.toString(rewards));
            assertEquals(candidates.get(best).tokenIds(), event.answer().tokenIds());
            assertEquals(CandidateChoice.candidateSeed(selection.firstSeed(), best), event.sampling().seed(), "the seed reproduces the answer");
            assertEquals(rewards[best], selection.reward(), 1e-9);
            if (best != 0) notFirst++;
        }
        // with four candidates, the first is the best in about a quarter of answers: six answers of candidate 0 (p ≈ 0.25⁶ = 2e-4) would mean no choice was made
        assertTrue(notFirst > 0, "every answer was candidate 0: nothing was chosen");
    }

    @Test
    @Order(2)
    void aVersionAnnouncedBeforeItsRewardModelAnswersWithThePreviousOneUntilItsOwnIsPublished() throws Exception {
        KafkaTestClient.await("v2's reward model", Duration.ofSeconds(60),
                () -> rewardModels.latest().map(r -> r.versionId().equals("v2")).orElse(false));
        // as the trainer announces a DPO version: its weights first, its reward model still training (nothing beside the weights yet)
        Path work = Files.createTempDirectory("best-of-v3");
        ModelVersion packed = TinyModels.packedWithRewardModel(work, "v3", 3, 33, "live");
        Path rewardModelZip = work.resolve("v3").resolve("reward-model.zip");
        Path held = Files.move(rewardModelZip, work.resolve("held.zip"));
        KafkaTestClient.send(bootstrap, Topics.MODEL_VERSIONS, "v3", TinyModels.withRewardModel(packed, ModelVersion.RewardModelState.TRAINING),
                ModelVersion.class);
        KafkaTestClient.await("v3 served", Duration.ofSeconds(60), () -> registry.current().versionId().equals("v3"));
        String id = given().contentType(ContentType.JSON).body("{\"prompt\": \"Name a farm animal.\"}")
                .post("/api/comparisons").then().statusCode(201).extract().jsonPath().getString("id");
        List<GenerationEvent> events = KafkaTestClient.readUntil(bootstrap, Topics.GENERATIONS, GenerationEvent.class,
                all -> all.stream().filter(e -> e.comparisonId().equals(id)).count() == 2L, Duration.ofSeconds(90));
        GenerationEvent byV3 = events.stream().filter(e -> e.comparisonId().equals(id) && e.answer().modelVersion().equals("v3"))
                .findFirst().orElseThrow(() -> new AssertionError("no answer by v3: " + events));
        assertEquals("v2", byV3.selection().rewardModelVersion(), "the latest reward model published");

        Files.move(held, rewardModelZip);
        KafkaTestClient.send(bootstrap, Topics.MODEL_VERSIONS, "v3", TinyModels.withRewardModel(packed, ModelVersion.RewardModelState.PUBLISHED),
                ModelVersion.class);
        KafkaTestClient.await("v3's reward model", Duration.ofSeconds(60),
                () -> rewardModels.latest().map(r -> r.versionId().equals("v3")).orElse(false));
        assertEquals("v3", registry.current().versionId(), "its weights are not loaded again");
    }

    @Test
    @Order(3)
    void theRewardModelIsFoundBesideTheWeights() {
        assertNull(ModelVersionWatcher.rewardModelUrl("http://trainer/api/models/3/lora"));
        assertEquals("http://trainer:8083/api/models/3/reward-model", ModelVersionWatcher.rewardModelUrl("http://trainer:8083/api/models/3/weights"));
        assertEquals("file:/data/lines/live/3/reward-model.zip", ModelVersionWatcher.rewardModelUrl("file:/data/lines/live/3/weights.zip"));
    }
}
