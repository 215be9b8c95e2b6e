package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * {@code llm replay}'s own checks, before anything is sent. Against the real trainer (a replay
 * started, followed to its versions, and refused with the trainer's reasons) it runs in e2e-tests'
 * ReplayCommandOnWholeStackIT.
 */
class ReplayCommandTest {

    private static void assertUserError(String expected, String... args) {
        CliRun run = CliRun.run("", args);
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }

    @Test
    void saysWhichStartIsMissingOrDoubled() {
        assertUserError("Missing required argument", "replay", "--url", "http://127.0.0.1:1");
        assertUserError("mutually exclusive", "replay", "--from-beginning", "--offsets", "0-5");
    }

    @Test
    void namesABadTimestampOffsetRangeOrLine() {
        assertUserError("--from-timestamp must be an ISO-8601 instant such as 2026-11-29T12:00:00Z, was 'yesterday'",
                "replay", "--from-timestamp", "yesterday");
        assertUserError("--offsets must be START-END, START- (every partition", "replay", "--offsets", "rlhf.preference-pairs:0:0-80");
        assertUserError("--offsets 80-10: END must be greater than START", "replay", "--offsets", "80-10");
        assertUserError("--line must be 1-40 lower-case letters", "replay", "--from-beginning", "--line", "Live.2");
        assertUserError("--url nope is not a URL", "replay", "--from-beginning", "--url", "nope");
        assertUserError("--algorithm must be dpo or rloo, was 'ppo'", "replay", "--from-beginning", "--algorithm", "ppo");
    }

    @Test
    void buildsTheRequestOfTheReplayApi() {
        ReplayCommand command = new ReplayCommand();
        new picocli.CommandLine(command).parseArgs("--offsets", "40-", "--line", "night-1");
        assertEquals("{\"from\":\"OFFSETS\",\"fromOffset\":40,\"line\":\"night-1\"}", command.requestBody().toString());
        new picocli.CommandLine(command = new ReplayCommand()).parseArgs("--from-timestamp", "2026-11-29T12:00:00+01:00");
        assertEquals("{\"from\":\"TIMESTAMP\",\"timestamp\":\"2026-11-29T11:00:00Z\"}", command.requestBody().toString());
        new picocli.CommandLine(command = new ReplayCommand()).parseArgs("--from-beginning", "--algorithm", "rloo");
        assertEquals("{\"from\":\"BEGINNING\",\"algorithm\":\"RLOO\"}", command.requestBody().toString());
        new picocli.CommandLine(command = new ReplayCommand()).parseArgs("--offsets", "0:4-9,2:2-", "--parent", "v3");
        assertEquals("{\"from\":\"OFFSETS\",\"fromOffsets\":{\"0\":4,\"2\":2},\"toOffsets\":{\"0\":9},\"parent\":\"3\"}",
                command.requestBody().toString());
    }

    @Test
    void namesBadPerPartitionRangesAndParents() {
        assertUserError("--offsets 0:9-4: END must not be before START", "replay", "--offsets", "0:9-4");
        assertUserError("partition 1 is named twice", "replay", "--offsets", "1:0-4,1:5-6");
        assertUserError("or P:START-END,... (per partition", "replay", "--offsets", "0:4-9;1:0-2");
        assertUserError("--parent must name a version", "replay", "--from-beginning", "--parent", " ");
    }

    @Test
    void summarisesEachRunOfVersionsAgainstTheLineItRebuilds() throws Exception {
        com.fasterxml.jackson.databind.JsonNode replay = PublicApiClient.JSON.readTree("""
                {"follows": "live", "comparisons": [
                  {"version": "r-2", "rebuilds": "2", "result": "IDENTICAL"},
                  {"version": "r-3", "rebuilds": "3", "result": "IDENTICAL"},
                  {"version": "r-4", "rebuilds": "4", "result": "IDENTICAL"},
                  {"version": "r-5", "rebuilds": "5", "result": "NOT_COMPARABLE", "reason": "made by another engine"},
                  {"version": "r-6", "rebuilds": "6", "result": "DIFFERS", "reason": "another algorithm"},
                  {"version": "r-7", "rebuilds": "7", "result": "DIFFERS", "reason": "another algorithm"},
                  {"version": "r-8", "result": "NEW"}]}""");
        assertEquals(java.util.List.of("v2 … v4: identical to live", "v5: not comparable with live (made by another engine)",
                "v6, v7: differ from live (another algorithm)", "r-8: new: past the versions of live"), ReplayCommand.comparisons(replay));
    }

    @Test
    void aStackThatIsDownGivesOneClearLine() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = CliRun.run("", "replay", "--url", "http://127.0.0.1:" + port, "--token", "an-admin-token", "--from-beginning");
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("llm replay: nothing answers at http://127.0.0.1:" + port), run.err());
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.err());
    }
}
