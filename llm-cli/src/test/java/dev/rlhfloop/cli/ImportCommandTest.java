package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhfloop.contracts.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llm import} against a small HTTP server that answers as {@code POST /api/import/pairs} does
 * (201 with the count, 400 naming a line): the file formats, the requests under the 64 KiB cap, and how
 * a refusal is reported. The real endpoint and topic are exercised by feedback-service's ImportAndForgetKafkaTest.
 */
class ImportCommandTest {
    private StubApi api;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<Integer> sizes = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    /** Refuses a request holding a pair whose chosen answer is "bad", as the service would. */
    private String startApi() throws IOException {
        api = StubApi.serving("/api/import/pairs", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            sizes.add(body.length);
            JsonNode request = Json.MAPPER.readTree(body);
            String answer;
            int status = 201;
            JsonNode bad = null;
            for (JsonNode pair : request.get("pairs")) if (pair.get("chosen").asText().equals("bad")) bad = pair;
            if (!"Bearer t0ken".equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                status = 401;
                answer = "{\"error\":\"unauthorized\",\"reason\":\"no admin credential\"}";
            } else if (bad != null) {
                status = 400;
                answer = "{\"error\":\"bad_request\",\"reason\":\"line " + bad.get("line").asInt()
                        + ": chosen and rejected are the same answer (nothing was imported)\"}";
            } else {
                requests.add(request);
                answer = "{\"importId\":\"i-" + requests.size() + "\",\"source\":\"" + request.get("source").asText() + "\",\"pairs\":"
                        + request.get("pairs").size() + "}";
            }
            StubApi.reply(exchange, status, "application/json", answer);
        });
        return api.url();
    }

    @AfterEach
    void stop() {
        if (api != null) api.close();
    }

    @Test
    void aLargeTrlFileGoesInRequestsUnderTheCapInItsOrder() throws Exception {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            lines.append(Json.writeString(java.util.Map.of("prompt", "Tell me about animal " + i + ".",
                    "chosen", "It is a kind animal. ".repeat(8), "rejected", "No."))).append('\n');
        }
        Path file = Files.writeString(dir.resolve("pairs-trl.jsonl"), lines.toString());
        CliRun run = CliRun.run("", "import", "--url", startApi(), "--token", "t0ken", "--pairs", file.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(requests.size() >= 2, "more than 64 KiB of pairs: " + sizes);
        assertTrue(sizes.stream().allMatch(s -> s < 64 * 1024), "every body under the gateway's cap: " + sizes);
        List<Integer> sent = new ArrayList<>();
        for (JsonNode request : requests) {
            assertEquals("pairs-trl.jsonl", request.get("source").asText());
            request.get("pairs").forEach(p -> sent.add(p.get("line").asInt()));
        }
        assertEquals(java.util.stream.IntStream.rangeClosed(1, 400).boxed().toList(), sent, "every line once, in the file's order");
        assertEquals("Tell me about animal 0.", requests.get(0).get("pairs").get(0).get("prompt").asText(), "a TRL prompt as it is");
        assertTrue(run.out().contains("400 pair(s) from " + file + " imported in " + requests.size() + " request(s)"), run.out());
    }

    @Test
    void theBooksJsonSendsItsInstructionOrItsWholePromptAndARefusalNamesTheLine() throws Exception {
        Path book = Files.writeString(dir.resolve("book.json"), """
                [
                  {"instruction": "Name a bird.", "input": "", "output": "An owl.", "chosen": "An owl.", "rejected": "A stone."},
                  {"instruction": "Rewrite the sentence.", "input": "The cat sat.", "chosen": "The cat was sitting.", "rejected": "Cat."}
                ]
                """);
        String url = startApi();
        CliRun run = CliRun.run("", "import", "--url", url, "--token", "t0ken", "--pairs", book.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode pairs = requests.get(0).get("pairs");
        assertEquals("Name a bird.", pairs.get(0).get("prompt").asText());
        assertEquals(2, pairs.get(0).get("line").asInt());
        assertTrue(pairs.get(1).get("prompt").asText().contains("The cat sat.") && pairs.get(1).get("prompt").asText().contains("### Response:"),
                "an entry with an input sends the whole SFT prompt: " + pairs.get(1));

        Path bad = Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": \"p\", \"chosen\": \"bad\", \"rejected\": \"x\"}\n");
        CliRun refused = CliRun.run("", "import", "--url", url, "--token", "t0ken", "--pairs", bad.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().contains("llm import: the pairs from line 1 on were refused: HTTP 400: line 1: "), refused.err());

        Path broken = Files.writeString(dir.resolve("broken.jsonl"), "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\nnot json\n");
        CliRun unreadable = CliRun.run("", "import", "--url", url, "--token", "t0ken", "--pairs", broken.toString());
        assertEquals(2, unreadable.exitCode());
        assertTrue(unreadable.err().contains("line 2"), unreadable.err());
        assertEquals(1, requests.size(), "nothing sent from a file that does not read");
    }
}
