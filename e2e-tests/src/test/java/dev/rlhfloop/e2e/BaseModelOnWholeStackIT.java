package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.cli.RateCommand;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.llm.data.InstructionData;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.testing.Gpt2LayoutModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code RLHF_BASE_MODEL} end to end: the packaged stack on its own broker and free ports starts its
 * live line from a GPT-2 directory this test writes (Hugging Face's layout: config.json with the
 * pretraining dropout, model.safetensors, and GPT-2's tokenizer files vocab.json + merges.txt, at a
 * small shape), fine-tuned first on instruction data ({@code RLHF_SFT_DATA}), with the prompt pool
 * of a file ({@code RLHF_PROMPTS}) and training capped at one core. It serves the model with its own
 * tokenizer, takes votes, and publishes a trained version that the inference service hot-loads.
 */
class BaseModelOnWholeStackIT {
    private static final Path WORK = Path.of(System.getProperty("rlhfloop.e2e.dir", "target/e2e")).toAbsolutePath().resolve("base-model");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final List<String> PROMPTS = List.of("What is the capital of France?", "Write a haiku about the sea.",
            "Name three animals.", "Translate into German.\n\nGood morning");

    @Test
    void aGpt2DirectoryStartsTheLineServesTakesVotesAndHotLoadsATrainedVersion() throws Exception {
        Path inputs = WORK.resolve("inputs");
        Files.createDirectories(inputs);
        Path model = inputs.resolve("gpt2-small-shape");
        if (Files.exists(model)) try (var files = Files.list(model)) {
            for (Path file : files.toList()) Files.delete(file);
        }
        Gpt2LayoutModel.write(model, GptConfig.of(400, 256, 32, 2, 2), 21);
        Path instructions = inputs.resolve("instruction-data.json");
        InstructionData.write(instructions, new BuiltinData(8).trainingExamples(40));
        Path prompts = inputs.resolve("prompts.jsonl");
        Files.writeString(prompts, PROMPTS.get(0) + "\n" + PROMPTS.get(1) + "\n{\"prompt\": \"" + PROMPTS.get(2) + "\"}\n"
                + "{\"instruction\": \"Translate into German.\", \"input\": \"Good morning\"}\n");

        Map<String, List<String>> options = Map.of(
                "trainer-service", List.of(
                        "-Drlhf.trainer.base-model=" + model,
                        "-Drlhf.trainer.sft-data=" + instructions,
                        "-Drlhf.trainer.base-sft.epochs=1",
                        "-Drlhf.trainer.base-sft.batch-size=4",
                        "-Drlhf.trainer.base-sft.max-length=128",
                        "-Drlhf.threads=1",
                        "-Drlhf.trainer.pairs-per-version=4",
                        "-Drlhf.trainer.max-wait=10s",
                        "-Drlhf.trainer.dpo.batch-size=4"),
                "inference-service", List.of(
                        "-Drlhf.inference.prompts-file=" + prompts,
                        "-Drlhf.inference.sampling.max-new-tokens=24"));
        long t0 = System.nanoTime();
        try (WholeStack stack = new WholeStack(SharedStack.HOME, WORK, options).start()) {
            stack.awaitGatewaySeesEveryService();
            String url = stack.url();

            JsonNode first = awaitModels(url, 1, Duration.ofMinutes(2)).get(0);
            String v1 = first.path("version").asText();
            assertEquals("SFT", first.path("algorithm").asText());
            JsonNode metrics = first.path("metrics");
            assertTrue(metrics.has("testExactMatch") && metrics.has("testTokenF1") && metrics.has("sftLoss"), metrics.toString());
            assertTrue(metrics.path("parameters").asDouble() > 0, metrics.toString());
            String firstModel = json(url + "/api/training").path("firstModel").asText();
            assertTrue(firstModel.startsWith("the base model " + model + ", fine-tuned on " + instructions), firstModel);
            assertTrue(Files.readString(stack.log("trainer-service")).contains("training uses 1 of "), "the thread cap is logged");

            // Votes until an answer comes from a version trained on them: the inference service hot-loaded it.
            RateCommand.Session rater = new RateCommand.Session(URI.create(url), RateCommand.Rule.parse("shorter", 12),
                    Duration.ofMinutes(2));
            Set<String> promptsSeen = new HashSet<>();
            String trained = null;
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (trained == null && System.nanoTime() < deadline) {
                RateCommand.Vote vote = rater.rateOne(line -> { });
                promptsSeen.add(vote.prompt());
                for (RateCommand.RatedAnswer answer : vote.answers()) {
                    if (!answer.modelVersion().equals(v1) && !answer.modelVersion().equals("?")) trained = answer.modelVersion();
                }
            }
            if (trained == null) fail("no answer came from a version after " + v1 + " within 3 minutes of votes");
            assertTrue(PROMPTS.containsAll(promptsSeen), "the pool is the prompts file's: " + promptsSeen);

            String served = trained;
            JsonNode version = json(url + "/api/models").findParents("version").stream()
                    .filter(m -> m.path("version").asText().equals(served)).findFirst().orElseThrow();
            assertEquals("DPO", version.path("algorithm").asText());
            assertTrue(version.path("pairsTrainedOn").asInt() >= 1, version.toString());
            WholeStack.log("base model served, voted on and updated to %s in %.0f s", trained, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static List<JsonNode> awaitModels(String url, int count, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode models = json(url + "/api/models");
            if (models.size() >= count) {
                List<JsonNode> list = new java.util.ArrayList<>();
                models.forEach(list::add);
                return list;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("fewer than " + count + " model version(s) after " + patience + ": " + json(url + "/api/training"));
    }

    private static JsonNode json(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return Json.MAPPER.readTree(response.body());
    }
}
