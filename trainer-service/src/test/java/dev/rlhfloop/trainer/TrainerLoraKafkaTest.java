package dev.rlhfloop.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.service.testing.TestSessions;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.kafka.LocalKafka;
import dev.rlhfloop.kafka.testing.InjectLocalKafka;
import dev.rlhfloop.kafka.testing.KafkaTestClient;
import dev.rlhfloop.kafka.testing.LocalKafkaTestResource;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.service.testing.PublicApi;
import io.restassured.RestAssured;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * The live line with {@code rlhf.trainer.lora-rank}, against a real broker: each version is a LoRA
 * adapter over the SFT model, published as PEFT's two files (an archive a fraction of the model's),
 * announced as an adapter over version 1; the next version trains the same adapter further; a
 * replay of the line rebuilds the adapters bit for bit.
 */
@QuarkusTest
@TestProfile(TrainerLoraKafkaTest.Lora.class)
@QuarkusTestResource(LocalKafkaTestResource.class)
class TrainerLoraKafkaTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    /** Rank-2 adapters, a learning rate at which a few steps move them visibly. */
    public static class Lora implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rlhf.trainer.lora-rank", "2", "rlhf.trainer.dpo.learning-rate", "1e-2");
        }
    }

    @InjectLocalKafka
    LocalKafka kafka;

    @Test
    void versionsAreAdaptersOverTheSftModelAndReplaysRebuildThem() throws Exception {
        ModelVersion v1 = RegistryReads.awaitVersion(kafka.bootstrapServers(), "1", WAIT);
        assertFalse(v1.weights().isAdapter(), "the SFT model is whole weights");
        AnimalPairs.send(kafka.bootstrapServers(), 0, 4);
        ModelVersion v2 = RegistryReads.awaitVersion(kafka.bootstrapServers(), "2", WAIT);
        assertTrue(v2.weights().isAdapter(), v2.weights().toString());
        assertEquals("1", v2.weights().baseVersion());
        AnimalPairs.send(kafka.bootstrapServers(), 4, 4);
        ModelVersion v3 = RegistryReads.awaitVersion(kafka.bootstrapServers(), "3", WAIT);
        assertEquals("1", v3.weights().baseVersion(), "every version adapts the SFT model, not its parent");

        Path dir = Files.createTempDirectory("lora-weights");
        Path base = download(v1, dir.resolve("v1"));
        Path adapter = download(v2, dir.resolve("v2"));
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"), entries(dir.resolve("v2.zip")));
        long baseBytes = Files.size(dir.resolve("v1.zip"));
        long adapterBytes = Files.size(dir.resolve("v2.zip"));
        assertTrue(adapterBytes * 2 < baseBytes, "an adapter is a fraction of the model: " + adapterBytes + " vs " + baseBytes + " bytes");
        assertEquals((double) adapterBytes, v2.metrics().get("weightsBytes"));

        Gpt sft = Models.load(base);
        Gpt adapted = sft.sharingWeights();
        PeftAdapter.load(adapted, adapter);
        int[] tokens = {1, 2, 3, 4};
        assertFalse(Arrays.equals(sft.forward(tokens, 1, 4).clone(), adapted.forward(tokens, 1, 4).clone()), "the adapter changes the model");

        io.restassured.response.Response models = given().get("/api/models");
        assertEquals(List.of(), PublicApi.fetch(URI.create(RestAssured.baseURI + ":" + RestAssured.port + "/q/openapi?format=json")).problems("GET", "/api/models", 200, models.asString()));
        assertEquals("LORA", models.jsonPath().getString("[1].weights.format"));
        assertEquals("1", models.jsonPath().getString("[1].weights.baseVersion"));
        assertEquals("FULL", models.jsonPath().getString("[0].weights.format"));

        given().header("Authorization", TestSessions.admin()).contentType("application/json")
                .body("{\"from\": \"BEGINNING\", \"line\": \"again\"}").post("/api/replays")
                .then().statusCode(202);
        KafkaTestClient.await("the replay done", WAIT,
                () -> "DONE".equals(given().get("/api/replays").then().extract().jsonPath().getString("[0].state")));
        ModelVersion again = RegistryReads.awaitVersion(kafka.bootstrapServers(), "again-3", WAIT);
        assertEquals(v3.weights(), new ModelVersion.Weights(v3.weights().url(), again.weights().sha256(), ModelVersion.Format.LORA, "1"),
                "the replay rebuilds the adapter bit for bit");
    }

    private static Path download(ModelVersion version, Path dir) throws Exception {
        byte[] zip = given().header("Authorization", TestSessions.service("inference-service")).get(URI.create(version.weights().url()).getPath()).then().statusCode(200).extract().asByteArray();
        Path file = Files.write(dir.resolveSibling(dir.getFileName() + ".zip"), zip);
        if (version.weights().isAdapter()) ModelArchive.unpackAdapter(file, dir);
        else ModelArchive.unpack(file, dir);
        return dir;
    }

    private static List<String> entries(Path zip) throws Exception {
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) names.add(e.getName());
        }
        return names;
    }
}
