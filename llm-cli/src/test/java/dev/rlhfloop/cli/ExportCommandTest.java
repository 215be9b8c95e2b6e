package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.FeedbackData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llm export --what thumbs} against a small HTTP server that answers as
 * {@code GET /api/export/thumbs.jsonl?format=trl} does (TRL's KTO lines, as feedback-service's
 * FeedbackServiceKafkaTest checks them on a real broker): the request the verb makes, the file it
 * writes, that {@code llm kto} reads that file, and the refusals it makes before asking.
 */
class ExportCommandTest {
    private static final String KTO_LINES = """
            {"prompt":"Name a farm animal.","completion":" A cow.","label":true}
            {"prompt":"Name a farm animal.","completion":" The sky.","label":false}
            """;

    private StubApi api;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    private String startApi() throws IOException {
        api = StubApi.serving("/api/export/", exchange -> {
            requests.add(exchange.getRequestURI().toString());
            StubApi.reply(exchange, 200, "application/x-ndjson", KTO_LINES);
        });
        return api.url();
    }

    @AfterEach
    void stop() {
        if (api != null) api.close();
    }

    @Test
    void thumbsAsTrlAreWhatLlmKtoReads() throws Exception {
        Path out = dir.resolve("thumbs-trl.jsonl");
        CliRun run = CliRun.run("", "export", "--url", startApi(), "--token", "t0ken", "--what", "thumbs", "--format", "trl",
                "--pseudonymise", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("/api/export/thumbs.jsonl?format=trl&pseudonymise=true"), requests);
        assertTrue(run.out().contains("2 thumbs written to " + out + " (trl)"), run.out());
        List<FeedbackData.Rating> ratings = FeedbackData.readRatings(out);
        assertEquals(List.of(" A cow.", " The sky."), ratings.stream().map(FeedbackData.Rating::completion).toList());
        assertEquals(List.of(true, false), ratings.stream().map(FeedbackData.Rating::desirable).toList());
        assertTrue(ratings.get(0).prompt().contains("Name a farm animal."), ratings.get(0).prompt());
    }

    @Test
    void trlIsRefusedForVotesAndGenerationsBeforeAsking() throws Exception {
        String url = startApi();
        for (String what : List.of("votes", "generations")) {
            CliRun run = CliRun.run("", "export", "--url", url, "--token", "t0ken", "--what", what, "--format", "trl",
                    "--out", dir.resolve(what + ".jsonl").toString());
            assertEquals(2, run.exitCode(), run.err());
            assertTrue(run.err().contains("llm export: --format trl is for --what pairs or thumbs only"), run.err());
            assertFalse(Files.exists(dir.resolve(what + ".jsonl")));
        }
        assertEquals(List.of(), requests, "nothing asked of the stack");
    }
}
