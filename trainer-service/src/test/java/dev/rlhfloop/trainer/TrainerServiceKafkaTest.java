package dev.rlhfloop.trainer;

import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.service.testing.AnswersFitTheOpenApiDocument;
import dev.rlhfloop.service.testing.PrometheusScrape;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import dev.rlhfloop.service.testing.TestSessions;
import dev.rlhfloop.service.control.LineControls;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Rater;
import dev.rlhfloop.contracts.RaterReliability;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.TrainingEvent;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.rlhf.RewardModel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The trainer against a real broker, in the order a deployment lives: bootstrap a tiny model, learn
 * from pairs, survive a restart without losing or repeating a pair, replay the log into a new line
 * with the same weights. Pairs go to partition 0, which keeps the restart test's offset arithmetic short;
 * ReplayOnThreePartitionsKafkaTest replays pairs spread over the three partitions, cut by count and by time.
 */
@QuarkusTest
@QuarkusTestResource(LocalKafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceKafkaTest extends AnswersFitTheOpenApiDocument {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final TopicPartition PAIRS_0 = new TopicPartition(Topics.PREFERENCE_PAIRS, 0);
    private static final String CONTROL = "/api/lines/live/control";
    private static int produced;

    @InjectLocalKafka
    LocalKafka kafka;

    @Inject
    TrainerService trainer;

    @ConfigProperty(name = "rlhf.trainer.pairs-per-version")
    int pairsPerVersion;

    @ConfigProperty(name = "rlhf.trainer.data-dir")
    Path dataDir;

    @Inject
    TrainerConfig config;

    @Test
    @Order(1)
    void bootstrapPublishesTheSftModelAndItsProgress() {
        List<ModelVersion> versions = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class,
                v -> !v.isEmpty(), WAIT);
        assertFalse(versions.isEmpty(), "no version published");
        ModelVersion sft = versions.get(0);
        assertEquals("1", sft.versionId());
        assertEquals("live", sft.modelLine());
        assertEquals(Algorithm.SFT, sft.algorithm());
        assertTrue(sft.metrics().containsKey("sftLoss"), "metrics: " + sft.metrics());

        List<TrainingEvent> events = KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.TRAINING_EVENTS, TrainingEvent.class,
                e -> e.stream().anyMatch(x -> x.phase() == Algorithm.SFT && x.loss() != null), WAIT);
        assertTrue(events.stream().anyMatch(e -> e.phase() == Algorithm.PRETRAIN && e.loss() != null && e.totalSteps() > 0));
        assertTrue(events.stream().anyMatch(e -> e.phase() == Algorithm.SFT && e.loss() != null));

        KafkaTestClient.await("the live line running", WAIT, trainer::ready);
        JsonPath training = given().get("/api/training").then().statusCode(200).extract().jsonPath();
        assertEquals("1", training.getString("servingVersion"));
        assertTrue(training.getList("losses.phase").contains("PRETRAIN"));
        assertEquals("SFT", given().get("/api/models").then().statusCode(200).extract().jsonPath().getString("[0].algorithm"));
    }

    @Test
    @Order(2)
    void pairsBecomeADpoVersionWithMetricsAndDownloadableWeights() throws Exception {
        producePairs(pairsPerVersion);
        ModelVersion v2 = awaitVersion("2");
        assertEquals(Algorithm.DPO, v2.algorithm());
        assertEquals("1", v2.parentVersion());
        assertEquals(Map.of(Topics.PREFERENCE_PAIRS + ":0", (long) pairsPerVersion), nonZero(v2.trainedOn().offsets()));
        assertEquals(pairsPerVersion, v2.trainedOn().pairs());
        for (String metric : List.of("dpoLoss", "dpoLossBefore", "margin", "chosenReward", "rejectedReward", "accuracy", "kl", "sftMixLoss")) {
            assertTrue(v2.metrics().containsKey(metric), metric + " missing from " + v2.metrics());
        }

        byte[] zip = given().header("Authorization", TestSessions.admin()).get(URI.create(v2.weights().url()).getPath()).then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        assertEquals(v2.weights().sha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(zip)));
        Path dir = Files.createTempDirectory("weights");
        Path file = dir.resolve("w.zip");
        Files.write(file, zip);
        ModelArchive.unpack(file, dir.resolve("model"));
        for (String name : ModelArchive.FILES) assertTrue(Files.isRegularFile(dir.resolve("model").resolve(name)), name);

        given().header("Authorization", TestSessions.admin()).get("/api/models/nope/weights").then().statusCode(404).body("error", org.hamcrest.Matchers.equalTo("not_found"));
        // DPO does not read the reward model: the version is announced before it, and a second entry says it is published
        assertEquals(ModelVersion.RewardModelState.TRAINING, v2.rewardModel());
        assertFalse(v2.metrics().containsKey("rewardTrainAccuracy"), "announced before its reward model trained: " + v2.metrics());
        List<ModelVersion> entries = RegistryReads.awaitRewardModel(kafka.bootstrapServers(), "2", WAIT);
        assertEquals(List.of(ModelVersion.RewardModelState.TRAINING, ModelVersion.RewardModelState.PUBLISHED),
                entries.stream().map(ModelVersion::rewardModel).toList(), "announced, then its reward model published, once each");
        ModelVersion v2Complete = entries.get(1);
        assertEquals(v2.weights(), v2Complete.weights());
        assertEquals(v2.trainedOn(), v2Complete.trainedOn());
        assertTrue(v2Complete.metrics().keySet().containsAll(v2.metrics().keySet()), v2Complete.metrics().toString());
        // four pairs a version here: none held out, so the reward model's metric is its training accuracy
        assertTrue(v2Complete.metrics().containsKey("rewardTrainAccuracy"), v2Complete.metrics().toString());
        KafkaTestClient.await("the registry's entry of 2 says its reward model is published", WAIT, () -> given().get("/api/models").then()
                .extract().jsonPath().getMap("find { it.version == '2' }.metrics").containsKey("rewardTrainAccuracy"));
        assertFalse(Files.exists(new ModelStore(dataDir).find("2").orElseThrow().directory().resolve(ModelStore.REWARD_MODEL_BATCH)),
                "the batch kept for the reward model goes once it is published");
        // the reward model the version was published with, beside its weights; the SFT model has none
        String rewardModelPath = URI.create(v2.weights().url()).getPath().replaceFirst("/weights$", "/reward-model");
        byte[] rewardZip = given().header("Authorization", TestSessions.service("inference-service")).get(rewardModelPath).then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        Files.write(file, rewardZip);
        ModelArchive.unpack(file, dir.resolve("reward-model"), RewardModel.ARCHIVE_FILES);
        RewardModel.load(dir.resolve("reward-model"));
        Path trained = new ModelStore(dataDir).find("2").orElseThrow().directory().resolve(ModelStore.REWARD_MODEL_DIR);
        assertArrayEquals(Files.readAllBytes(trained.resolve(RewardModel.HEAD_FILE)),
                Files.readAllBytes(dir.resolve("reward-model").resolve(RewardModel.HEAD_FILE)), "the reward model v2's update trained");
        given().header("Authorization", TestSessions.rater("alice")).get(rewardModelPath).then().statusCode(403);
        given().header("Authorization", TestSessions.admin()).get("/api/models/1/reward-model").then().statusCode(404)
                .body("error", org.hamcrest.Matchers.equalTo("not_found"));
        // Weights and replays are the admin's (and, for weights, another service's with its own credential): never a rater's.
        String weights = URI.create(v2.weights().url()).getPath();
        given().get(weights).then().statusCode(401).body("error", org.hamcrest.Matchers.equalTo("unauthorized"));
        given().header("Authorization", TestSessions.rater("alice")).get(weights).then().statusCode(403)
                .body("error", org.hamcrest.Matchers.equalTo("forbidden"));
        given().header("Authorization", TestSessions.service("inference-service")).get(weights).then().statusCode(200);
        given().contentType("application/json").body("{\"from\": \"BEGINNING\"}").post("/api/replays").then().statusCode(401);
        given().header("Authorization", TestSessions.rater("alice")).contentType("application/json").body("{\"from\": \"BEGINNING\"}")
                .post("/api/replays").then().statusCode(403);
        JsonPath models = given().get("/api/models").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("1", "2"), models.getList("version"));
        assertEquals(pairsPerVersion, models.getInt("[1].votesTrainedOn"));
        assertEquals("1", models.getString("[1].parent"));
    }

    @Test
    @Order(3)
    void aRestartNeitherLosesNorRepeatsAPair() throws Exception {
        // One and a half batches: version 3 takes four pairs, two wait when the loop stops.
        producePairs(pairsPerVersion + pairsPerVersion / 2);
        awaitVersion("3");
        trainer.stopLive();
        // A crash between checkpoint and commit leaves the group behind the checkpoint: the checkpoint wins.
        try (KafkaConsumer<String, String> group = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, LineTrainer.groupId("live")), new StringDeserializer(), new StringDeserializer())) {
            assertEquals(2L * pairsPerVersion, group.committed(Set.of(PAIRS_0)).get(PAIRS_0).offset());
            group.commitSync(Map.of(PAIRS_0, new OffsetAndMetadata(0)));
        }
        trainer.startLive();
        producePairs(pairsPerVersion / 2);
        ModelVersion v4 = awaitVersion("4");

        List<ModelVersion> live = liveDpoVersions(4);
        long previous = 0;
        for (ModelVersion v : live) {
            long end = v.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0");
            assertEquals(previous + v.trainedOn().pairs(), end, "version " + v.versionId() + " continues where its parent stopped");
            previous = end;
        }
        assertEquals(produced, previous, "every pair trained exactly once");
        assertEquals(produced, v4.trainedOn().votes());
        Thread.sleep(1_000);
        assertEquals(4, liveDpoVersions(4).size() + 1, "no further version from re-read pairs");
    }

    @Test
    @Order(4)
    void aReplayFromTheBeginningRebuildsTheSameWeightsInANewLine() throws Exception {
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"BEGINNING\", \"line\": \"again\"}")
                .post("/api/replays").then().statusCode(202)
                .body("line", org.hamcrest.Matchers.equalTo("again"))
                .body("state", org.hamcrest.Matchers.equalTo("RUNNING"));
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"BEGINNING\"}")
                .post("/api/replays").then().statusCode(409).body("error", org.hamcrest.Matchers.equalTo("trainer_busy"));
        KafkaTestClient.await("the replay done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[0].state")));
        JsonPath replay = given().get("/api/replays").then().extract().jsonPath();
        assertEquals(List.of("again-2", "again-3", "again-4"), replay.getList("[0].versions"));
        assertEquals(produced, replay.getLong("[0].consumed"));
        assertEquals(produced, replay.getLong("[0].total"), "a finished replay's total is the pairs it read");

        for (int n = 2; n <= 4; n++) {
            ModelVersion live = awaitVersion(Integer.toString(n));
            ModelVersion again = awaitVersion("again-" + n);
            assertEquals("again", again.modelLine());
            assertEquals(n == 2 ? "1" : "again-" + (n - 1), again.parentVersion());
            assertEquals(live.trainedOn().offsets(), again.trainedOn().offsets());
            assertEquals(live.weights().sha256(), again.weights().sha256(), "version " + n + ": same pairs, seed and settings, same bytes");
            // the reward model that followed each announcement is rebuilt too, in the same order
            List<ModelVersion> entries = RegistryReads.awaitRewardModel(kafka.bootstrapServers(), "again-" + n, WAIT);
            assertEquals(ModelVersion.RewardModelState.TRAINING, entries.get(0).rewardModel());
            assertEquals(RegistryReads.awaitRewardModel(kafka.bootstrapServers(), Integer.toString(n), WAIT).get(1).metrics(),
                    entries.get(1).metrics(), "version " + n + ": the same metrics, the reward model's too");
            ModelStore store = new ModelStore(dataDir);
            assertArrayEquals(Files.readAllBytes(store.find(Integer.toString(n)).orElseThrow().rewardModelArchive()),
                    Files.readAllBytes(store.find("again-" + n).orElseThrow().rewardModelArchive()), "version " + n + "'s reward model");
        }
        assertNotEquals(awaitVersion("2").weights().sha256(), awaitVersion("3").weights().sha256());
        List<String> lines = given().get("/api/models").then().extract().jsonPath().getList("line");
        assertTrue(lines.contains("again") && lines.contains("live"));
    }

    @Test
    @Order(5)
    void badReplayRequestsAreRefusedWithAReason() {
        for (String body : List.of("", "not json", "[]", "{}", "{\"from\": \"YESTERDAY\"}", "{\"from\": \"TIMESTAMP\"}",
                "{\"from\": \"TIMESTAMP\", \"timestamp\": \"noon\"}", "{\"from\": \"OFFSETS\"}",
                "{\"from\": \"OFFSETS\", \"fromOffset\": -1}", "{\"from\": \"OFFSETS\", \"fromOffset\": 5, \"toOffset\": 2}",
                "{\"from\": \"BEGINNING\", \"line\": \"Bad Name!\"}", "{\"from\": \"BEGINNING\", \"line\": \"live\"}",
                "{\"from\": \"BEGINNING\", \"line\": \"again\"}")) {
            given().header("Authorization", TestSessions.admin()).contentType("application/json").body(body).post("/api/replays").then()
                    .statusCode(400)
                    .body("error", org.hamcrest.Matchers.equalTo("bad_request"))
                    .body("reason", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
        }
        // the REST layer's own refusals get the same body (service-support's ApiErrorMappers), not a bare status
        given().delete("/smoke/any").then().statusCode(405).contentType("application/json")
                .body("error", org.hamcrest.Matchers.equalTo("bad_request"))
                .body("reason", org.hamcrest.Matchers.containsString("Method Not Allowed"));
    }

    @Test
    @Order(6)
    void theEventStreamStartsWithTheCurrentState() throws Exception {
        int port = io.restassured.RestAssured.port;
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/training/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            for (String line = reader.readLine(); line != null && lines.size() < 2; line = reader.readLine()) {
                if (!line.isBlank()) lines.add(line);
            }
            // SSE fields are "name:value" with one optional space after the colon
            assertEquals("event:state", lines.get(0).replace(": ", ":"));
            assertTrue(lines.get(1).replace(": ", ":").startsWith("data:{\"state\":"), lines.get(1));
        }
    }

    @Test
    @Order(7)
    void replaysFromAnOffsetRangeOrATimestampReadOnlyThatPartOfTheLog() {
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"OFFSETS\", \"fromOffset\": 4, \"toOffset\": 8, \"line\": \"slice\"}")
                .post("/api/replays").then().statusCode(202).body("line", org.hamcrest.Matchers.equalTo("slice"));
        KafkaTestClient.await("the offset replay done", WAIT, () -> "DONE".equals(replay("slice").getString("state")));
        assertEquals(List.of("slice-2"), replay("slice").getList("versions"));
        assertEquals(4, replay("slice").getLong("consumed"));
        ModelVersion slice = awaitVersion("slice-2");
        assertEquals("1", slice.parentVersion());
        assertEquals(Map.of(Topics.PREFERENCE_PAIRS + ":0", 8L), nonZero(slice.trainedOn().offsets()));
        // live version 3 learned the same four pairs on top of version 2; the slice starts from the SFT model
        assertNotEquals(awaitVersion("3").weights().sha256(), slice.weights().sha256());

        String future = Instant.now().plus(Duration.ofDays(1)).toString();
        given().header("Authorization", TestSessions.admin()).contentType("application/json").body("{\"from\": \"TIMESTAMP\", \"timestamp\": \"" + future + "\", \"line\": \"later\"}")
                .post("/api/replays").then().statusCode(202);
        KafkaTestClient.await("the timestamp replay done", WAIT, () -> "DONE".equals(replay("later").getString("state")));
        assertEquals(List.of(), replay("later").getList("versions"));
        assertEquals(0, replay("later").getLong("consumed"));
        assertEquals("TIMESTAMP", replay("later").getString("from"));
        assertEquals(future, replay("later").getString("timestamp"));
    }

    @Test
    @Order(8)
    void aCheckpointThatACrashLeftUnannouncedIsPublishedWhenTheLineStartsAgain() throws Exception {
        // What a crash after the checkpoint's rename and before the publish leaves on disk: version 5, unknown to Kafka.
        ModelStore store = new ModelStore(dataDir);
        ModelStore.Checkpoint v4 = stopAtLatest(store);
        assertEquals("4", v4.version().versionId());
        Path staged = stagedCopy(store, v4, 5);
        ModelVersion old = v4.version();
        store.commit(staged, 5, new ModelVersion(old.schemaVersion(), "5", "live", "4", old.algorithm(), old.trainedOn(),
                old.metrics(), new ModelVersion.Weights(old.weights().url().replace("/4/", "/5/"), old.weights().sha256()), Instant.now()));

        trainer.startLive();
        assertEquals("4", awaitVersion("5").parentVersion());
        given().header("Authorization", TestSessions.admin()).get("/api/models/5/weights").then().statusCode(200);
    }

    /** The live line has bootstrapped, trained versions 2 to 4 on 12 pairs and announced 5. */
    @Test
    @Order(9)
    void metricsShowStepsLossUpdatesAndTheLiveLinesLag() {
        PrometheusScrape trained = PrometheusScrape.fetch();
        trained.assertHasEveryMeterOf("trainer-service");
        String steps = OperatorMeter.TRAINING_STEP.prometheusName() + "_count";
        for (String stage : List.of("PRETRAIN", "SFT", "REWARD_MODEL", "DPO")) {
            assertTrue(trained.sum(steps, Map.of("stage", stage)) > 0, stage + " steps were timed: " + trained.text());
        }
        assertTrue(Double.isFinite(trained.sum(OperatorMeter.TRAINING_LOSS.prometheusName(), Map.of("stage", "DPO"))));
        assertTrue(trained.sum(OperatorMeter.TRAINING_UPDATE.prometheusName() + "_count", Map.of("algorithm", "DPO")) >= 3);

        String lag = OperatorMeter.TRAINER_LAG.prometheusName();
        Map<String, String> live = Map.of("line", "live");
        assertEquals(0, trained.sum(lag, live), "every pair so far is in a version");
        producePairs(pairsPerVersion - 1);
        KafkaTestClient.await("the lag to count the waiting pairs", WAIT,
                () -> PrometheusScrape.fetch().sum(lag, live) == pairsPerVersion - 1);
        producePairs(1);
        awaitVersion("6");
        KafkaTestClient.await("the lag back to 0 once version 6 is published", WAIT, () -> PrometheusScrape.fetch().sum(lag, live) == 0);
    }

    /** The admin's line controls (docs/operations.md, "Line control"): who may set them, and what is refused. */
    @Test
    @Order(10)
    void lineControlsAreTheAdminsAndRefuseWhatCannotBeDone() {
        given().get(CONTROL).then().statusCode(200)
                .body("line", equalTo("live")).body("paused", equalTo(false))
                .body("pinnedVersion", nullValue()).body("versionsKept", nullValue());
        given().get("/api/lines/nope/control").then().statusCode(404).body("error", equalTo("not_found"));
        given().contentType("application/json").body("{\"paused\": true}").put(CONTROL).then().statusCode(401)
                .body("error", equalTo("unauthorized"));
        given().header("Authorization", TestSessions.rater("alice")).contentType("application/json").body("{\"paused\": true}")
                .put(CONTROL).then().statusCode(403).body("error", equalTo("forbidden"));
        for (String body : List.of("", "{}", "{\"paused\": \"maybe\"}", "{\"paused\": false, \"versionsKept\": 2}",
                "{\"paused\": false, \"pinnedVersion\": \"99\"}", "{\"paused\": false, \"pinnedVersion\": \"\"}",
                "{\"paused\": false, \"pinnedVersion\": \"again-2\"}")) {
            admin().body(body).put(CONTROL).then().statusCode(400).body("error", equalTo("bad_request"));
        }
        admin().body("{\"paused\": false, \"pinnedVersion\": \"99\"}").put(CONTROL).then()
                .body("reason", equalTo("line 'live' has no version '99'; its versions: 1, 2, 3, 4, 5, 6"));
        admin().body("{\"paused\": true}").put("/api/lines/nope/control").then().statusCode(404);
        given().get(CONTROL).then().body("paused", equalTo(false));
    }

    @Test
    @Order(10)
    void aReplayLineIsServedBesideTheLiveOneUntilTheAdminStops() {
        String serve = "/api/lines/again/serve";
        given().post(serve).then().statusCode(401).body("error", equalTo("unauthorized"));
        given().header("Authorization", TestSessions.rater("alice")).post(serve).then().statusCode(403);
        admin().post("/api/lines/nope/serve").then().statusCode(404).body("error", equalTo("not_found"));
        admin().post("/api/lines/live/serve").then().statusCode(400).body("error", equalTo("bad_request"));
        admin().post(serve).then().statusCode(200).body("line", equalTo("again")).body("served", equalTo(true))
                .body("answeringVersion", equalTo("again-4")).body("servedLines", equalTo(List.of("again")));
        given().get("/api/lines/again/control").then().body("served", equalTo(true)).body("paused", equalTo(false));
        // a PUT of the rest of the control keeps it served; what a restarted instance reads has it
        admin().body("{\"paused\": false, \"pinnedVersion\": \"again-3\"}").put("/api/lines/again/control").then().statusCode(200)
                .body("served", equalTo(true));
        try (LineControls fresh = LineControls.follow(kafka.bootstrapServers(), "test-line-serve", c -> {})) {
            assertTrue(fresh.awaitCaughtUp(WAIT));
            assertTrue(fresh.of("again").served());
            assertEquals("again-3", fresh.of("again").pinnedVersion());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        admin().delete(serve).then().statusCode(200).body("served", equalTo(false)).body("servedLines", equalTo(List.of()))
                .body("answeringVersion", nullValue());
        given().get("/api/lines/again/control").then().body("served", equalTo(false)).body("pinnedVersion", equalTo("again-3"));
        admin().body("{\"paused\": false}").put("/api/lines/again/control").then().statusCode(200);
    }

    @Test
    @Order(11)
    void aPausedLineMakesNoVersionWhileItsPairsWaitAndGoesOnWhenResumed() throws Exception {
        admin().body("{\"paused\": true}").put(CONTROL).then().statusCode(200).body("paused", equalTo(true));
        producePairs(pairsPerVersion);
        // What a restarted instance reads: the pause is on the topic.
        try (LineControls fresh = LineControls.follow(kafka.bootstrapServers(), "test-line-control", c -> {})) {
            assertTrue(fresh.awaitCaughtUp(WAIT));
            assertTrue(fresh.of("live").paused());
        }
        // unpaused, the pairs make version 7 in about a second; the registry is read for 3 s
        assertFalse(KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class, v -> false,
                Duration.ofSeconds(3)).stream().anyMatch(v -> v.versionId().equals("7")), "a paused line published a version");

        admin().body("{\"paused\": false}").put(CONTROL).then().statusCode(200).body("paused", equalTo(false));
        ModelVersion v7 = awaitVersion("7");
        assertEquals(pairsPerVersion, v7.trainedOn().pairs(), "the pairs that waited, no more, no fewer");
        assertEquals((long) produced, v7.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0"));
        assertEquals(awaitVersion("6").trainedOn().offsets(), v7.trainedOn().fromOffsets(), "resumed where the line stood");
    }

    @Test
    @Order(12)
    void pruningKeepsTheNewestVersionsTheFirstAndThePinnedOne() {
        producePairs(pairsPerVersion);
        awaitVersion("8");
        admin().body("{\"paused\": false, \"pinnedVersion\": \"2\", \"versionsKept\": 4}").put(CONTROL).then().statusCode(200)
                .body("pinnedVersion", equalTo("2")).body("versionsKept", equalTo(4));
        assertEquals(List.of(1, 2, 5, 6, 7, 8), onDisk(), "the newest 4, the first and the pinned one");
        given().header("Authorization", TestSessions.admin()).get("/api/models/3/weights").then().statusCode(404);
        admin().body("{\"paused\": false, \"pinnedVersion\": \"3\"}").put(CONTROL).then().statusCode(400)
                .body("reason", containsString("pruned"));

        admin().body("{\"paused\": false, \"versionsKept\": 4}").put(CONTROL).then().statusCode(200).body("pinnedVersion", nullValue());
        assertEquals(List.of(1, 5, 6, 7, 8), onDisk(), "unpinned, version 2 goes too");
        producePairs(pairsPerVersion);
        awaitVersion("9");
        KafkaTestClient.await("version 5 pruned after version 9", WAIT, () -> onDisk().equals(List.of(1, 6, 7, 8, 9)));
        given().get(CONTROL).then().body("versionsKept", equalTo(4));
    }

    private List<Integer> onDisk() {
        return new ModelStore(dataDir).checkpoints("live").stream().map(ModelStore.Checkpoint::number).toList();
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", TestSessions.admin()).contentType("application/json");
    }

    private static JsonPath replay(String line) {
        List<Map<String, Object>> all = given().get("/api/replays").then().statusCode(200).extract().jsonPath().getList("$");
        Map<String, Object> found = all.stream().filter(r -> line.equals(r.get("line"))).findFirst()
                .orElseThrow(() -> new AssertionError("no replay into line " + line));
        return new JsonPath(dev.rlhfloop.contracts.Json.writeString(found));
    }

    private static Map<String, Long> nonZero(Map<String, Long> offsets) {
        return offsets.entrySet().stream().filter(e -> e.getValue() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private List<ModelVersion> liveDpoVersions(int atLeast) {
        return KafkaTestClient.readUntil(kafka.bootstrapServers(), Topics.MODEL_VERSIONS, ModelVersion.class,
                        v -> v.stream().filter(x -> x.modelLine().equals("live")).count() >= atLeast, WAIT).stream()
                .filter(v -> v.modelLine().equals("live") && v.algorithm() == Algorithm.DPO)
                .collect(Collectors.toMap(ModelVersion::versionId, v -> v, (a, b) -> b)).values().stream()
                .sorted(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.versionId())))
                .toList();
    }

    private ModelVersion awaitVersion(String versionId) {
        return RegistryReads.awaitVersion(kafka.bootstrapServers(), versionId, WAIT);
    }

    @Test
    @Order(20)
    void aForgottenRatersPairsAreSkippedFromThenOnAndTheVersionSaysSo() {
        // what feedback-service writes when the admin forgets a rater
        Rater mallory = Rater.anonymous("mallory", Instant.now()).forgotten(Instant.now());
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.RATERS, mallory.key(), mallory, Rater.class);
        KafkaTestClient.await("the trainer knows mallory is forgotten", WAIT, () -> trainer.forgets("mallory"));
        // the versions of the tests before (the metrics test ends at version 6, nothing waiting)
        int next = liveDpoVersions(6).stream().mapToInt(v -> Integer.parseInt(v.versionId())).max().orElseThrow() + 1;

        // mallory's and another rater's pairs in turn, the other's last: one version's worth of trainable pairs
        List<PreferencePair> pairs = new ArrayList<>();
        for (int n = 0; n < 2 * pairsPerVersion; n++) {
            String rater = n % 2 == 0 ? "mallory" : "rater";
            pairs.add(PreferencePair.of("cmp-forget-" + n, "What does the cat eat?",
                    new Answer(rater.equals("mallory") ? "Nothing at all, ever." : "The cat eats fish.", List.of(), "1"),
                    new Answer("It eats " + n + " things.", List.of(), "1"),
                    new PreferencePair.VoteRef("vote-forget-" + n, rater, 0, produced + n, Instant.now())));
        }
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, 0, null, pairs, PreferencePair.class);
        produced += pairs.size();

        ModelVersion version = awaitVersion(Integer.toString(next));
        assertEquals(pairsPerVersion, version.trainedOn().pairs(), "only the other rater's pairs are trained on");
        assertEquals(List.of("mallory"), version.trainedOn().forgottenRaters());
        long from = version.trainedOn().fromOffsets().get(Topics.PREFERENCE_PAIRS + ":0");
        assertEquals(2L * pairsPerVersion, version.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0") - from,
                "mallory's pairs are consumed in their place, so the range still says exactly what was read");
    }

    @Test
    @Order(21)
    void pairsWeighTheirRatersReliabilityAsTheVersionRecordsAndAReplayWeighsThemSo() {
        // what feedback-service writes after "doubter" passed 5 of 10 checks: r = 8/14, weight = (16/14 - 1) / 0.5 = 2/7
        RaterReliability doubter = RaterReliability.of("doubter", 10, 5);
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.RATER_RELIABILITY, "doubter", doubter, RaterReliability.class);
        KafkaTestClient.await("the trainer knows doubter's weight", WAIT,
                () -> trainer.raterWeight("doubter").filter(w -> w == doubter.weight()).isPresent());
        int next = liveDpoVersions(7).stream().mapToInt(v -> Integer.parseInt(v.versionId())).max().orElseThrow() + 1;
        List<PreferencePair> pairs = new ArrayList<>();
        for (int n = 0; n < pairsPerVersion; n++) {
            String rater = n % 2 == 0 ? "doubter" : "checked-never";
            pairs.add(PreferencePair.of("cmp-weigh-" + n, "What does the dog eat?", new Answer("The dog eats meat.", List.of(), "1"),
                    new Answer("It eats " + n + " stones.", List.of(), "1"),
                    new PreferencePair.VoteRef("vote-weigh-" + n, rater, 0, produced + n, Instant.now())));
        }
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.PREFERENCE_PAIRS, 0, null, pairs, PreferencePair.class);
        produced += pairs.size();
        ModelVersion version = awaitVersion(Integer.toString(next));
        assertEquals(Map.of("checked-never", 1.0, "doubter", doubter.weight()), version.trainedOn().raterWeights());
        assertEquals(2.0 / 7, doubter.weight(), 1e-12);

        // doubter does better later; a replay of the version's batch still weighs it as the version did
        RaterReliability later = RaterReliability.of("doubter", 30, 25);
        KafkaTestClient.send(kafka.bootstrapServers(), Topics.RATER_RELIABILITY, "doubter", later, RaterReliability.class);
        KafkaTestClient.await("the trainer knows doubter's new weight", WAIT,
                () -> trainer.raterWeight("doubter").filter(w -> w == later.weight()).isPresent());
        long from = version.trainedOn().fromOffsets().get(Topics.PREFERENCE_PAIRS + ":0");
        long to = version.trainedOn().offsets().get(Topics.PREFERENCE_PAIRS + ":0");
        given().header("Authorization", TestSessions.admin()).contentType("application/json")
                .body("{\"from\": \"OFFSETS\", \"fromOffset\": " + from + ", \"toOffset\": " + to + ", \"line\": \"weighed\"}")
                .post("/api/replays").then().statusCode(202);
        KafkaTestClient.await("the weighed replay done", WAIT, () -> "DONE".equals(replay("weighed").getString("state")));
        ModelVersion replayed = awaitVersion("weighed-2");
        assertEquals(version.trainedOn().raterWeights(), replayed.trainedOn().raterWeights());
    }

    @Test
    @Order(22)
    void aVersionAnnouncedBeforeItsRewardModelGetsItAfterARestart() throws Exception {
        // What a crash after announcing version n+1 and before its reward model leaves: the version, the batch kept for its
        // reward model, and version n's reward model, which n+1's trains from.
        ModelStore store = new ModelStore(dataDir);
        ModelStore.Checkpoint last = stopAtLatest(store);
        int number = last.number() + 1;
        Path staged = stagedCopy(store, last, number);
        var tokenizer = Models.tokenizer(last.modelDir());
        int context = Models.load(last.modelDir()).config().contextLength();
        List<dev.rlhfloop.llm.rlhf.TokenizedPreference> batch = new ArrayList<>();
        for (int n = 0; n < pairsPerVersion; n++) {
            batch.add(TrainerUpdate.encode(PreferencePair.of("cmp-crash-" + n, "What does the owl eat?", new Answer("The owl eats mice.", List.of(), "1"),
                    new Answer("It eats " + n + " rocks.", List.of(), "1"), new PreferencePair.VoteRef("vote-crash-" + n, "rater", 0, n,
                            Instant.now())), tokenizer, context).orElseThrow());
        }
        ModelStore.writeRewardModelBatch(staged, batch);
        ModelVersion old = last.version();
        String versionId = Integer.toString(number);
        ModelVersion announced = new ModelVersion(ModelVersion.SCHEMA_VERSION, versionId, "live", old.versionId(), old.algorithm(),
                old.trainedOn(), Map.of("pairs", (double) batch.size()), new ModelVersion.Weights(old.weights().url()
                        .replace("/" + old.versionId() + "/", "/" + versionId + "/"), old.weights().sha256()), Instant.now(), old.engine(),
                ModelVersion.RewardModelState.TRAINING);
        ModelStore.Checkpoint crashed = store.commit(staged, number, announced);
        // the reward model the line would have trained: version n's, on the kept batch, with version n+1's seed
        dev.rlhfloop.llm.rlhf.PolicyUpdate update = new dev.rlhfloop.llm.rlhf.PolicyUpdate(TrainerUpdate.settings(config));
        RewardModel expected = RewardModel.load(last.rewardModelDir());
        update.runRewardModel(expected, batch, tokenizer.endOfTextId(), config.seed() * 1_000_003L + number,
                dev.rlhfloop.llm.rlhf.PolicyUpdate.Progress.NONE);
        Path expectedDir = Files.createTempDirectory("expected-reward-model");
        expected.save(expectedDir);

        trainer.startLive();
        List<ModelVersion> entries = RegistryReads.awaitRewardModel(kafka.bootstrapServers(), versionId, WAIT);
        ModelVersion published = entries.get(entries.size() - 1);
        assertTrue(published.metrics().containsKey("rewardTrainAccuracy"), published.metrics().toString());
        assertEquals(announced.weights(), published.weights());
        assertArrayEquals(Files.readAllBytes(expectedDir.resolve(RewardModel.HEAD_FILE)),
                Files.readAllBytes(crashed.rewardModelDir().resolve(RewardModel.HEAD_FILE)), "trained as the line would have");
        assertTrue(Files.isRegularFile(crashed.rewardModelArchive()));
        assertFalse(Files.exists(crashed.directory().resolve(ModelStore.REWARD_MODEL_BATCH)));
        assertFalse(Files.exists(last.rewardModelDir()), "version " + last.number() + " drops its reward model once the next one's is there");
        given().header("Authorization", TestSessions.service("inference-service")).get("/api/models/" + versionId + "/reward-model").then()
                .statusCode(200);
    }

    /** Stops the live line; its latest checkpoint. */
    private ModelStore.Checkpoint stopAtLatest(ModelStore store) throws InterruptedException {
        trainer.stopLive();
        return store.latest("live").orElseThrow();
    }

    /** A checkpoint of the live line staged as version {@code number} with {@code from}'s weights, as a crash may leave one. */
    private static Path stagedCopy(ModelStore store, ModelStore.Checkpoint from, int number) throws java.io.IOException {
        Path staged = store.staging("live", number);
        for (String name : ModelArchive.FILES) Files.copy(from.modelDir().resolve(name), staged.resolve(ModelStore.MODEL_DIR).resolve(name));
        Files.copy(from.archive(), staged.resolve(ModelStore.ARCHIVE_FILE));
        return staged;
    }

    private void producePairs(int count) {
        AnimalPairs.send(kafka.bootstrapServers(), produced, count);
        produced += count;
    }
}
