package dev.rlhfloop.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.api.LineControlView;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@code llm admin}'s own part: each action changes one setting of the line's control and keeps the
 * others, and bad input is refused before anything is sent. The trainer's answers to the same requests
 * are tested in trainer-service's TrainerServiceKafkaTest.
 */
class AdminCommandTest {
    private static final LineControlView PAUSED_KEEPING_5 = new LineControlView("live", null, true, 5, Instant.EPOCH);

    @Test
    void eachActionChangesOneSettingAndKeepsTheOthers() {
        assertEquals("{\"pinnedVersion\":\"3\",\"paused\":true,\"versionsKept\":5}", body("pin", "v3"));
        assertEquals("{\"paused\":false,\"versionsKept\":5}", body("resume", null));
        assertEquals("{\"paused\":true}", body("keep", "all"));
        assertEquals("{\"paused\":true,\"versionsKept\":8}", body("keep", "8"));
        LineControlView pinned = new LineControlView("live", "3", false, null, Instant.EPOCH);
        assertEquals("{\"paused\":false}",
                Json.writeString(AdminCommand.next(pinned, "unpin", null)));
        assertEquals("{\"pinnedVersion\":\"3\",\"paused\":true}", Json.writeString(AdminCommand.next(pinned, "pause", null)));
        assertEquals("line live: serving v3 (pinned) · training running · keeping every version", AdminCommand.describe(pinned));
    }

    @Test
    void refusesWhatTheTrainerWouldBeforeSendingIt() {
        assertRefused("keep needs a count of at least 4", "admin", "keep", "2", "--token", "t", "--url", "http://127.0.0.1:1");
        assertRefused("pin needs VERSION", "admin", "pin", "--token", "t", "--url", "http://127.0.0.1:1");
        assertRefused("unknown action 'rollback'", "admin", "rollback", "--token", "t");
        assertRefused("serve needs LINE", "admin", "serve", "--token", "t", "--url", "http://127.0.0.1:1");
    }

    @Test
    void servingALineSaysWhichVersionAnswersAndWhatIsServed() {
        assertEquals("line rloo-replay: served beside the live line (rloo-replay-4 answers in line-vs-line comparisons)"
                        + " · lines served beside live: dpo-replay, rloo-replay",
                AdminCommand.describe(new dev.rlhfloop.contracts.api.LineServing("rloo-replay", true, "rloo-replay-4",
                        java.util.List.of("dpo-replay", "rloo-replay"), Instant.EPOCH)));
        assertEquals("line rloo-replay: not served beside the live line · lines served beside live: none",
                AdminCommand.describe(new dev.rlhfloop.contracts.api.LineServing("rloo-replay", false, null, java.util.List.of(), Instant.EPOCH)));
        assertEquals("line rloo-replay: serving the newest version · training running · keeping every version · served beside the live line",
                AdminCommand.describe(new LineControlView("rloo-replay", null, false, null, Instant.EPOCH, true)));
    }

    private static String body(String action, String argument) {
        return Json.writeString(AdminCommand.next(PAUSED_KEEPING_5, action, argument));
    }

    private static void assertRefused(String expected, String... args) {
        CliRun run = CliRun.run("", args);
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains(expected), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }
}
