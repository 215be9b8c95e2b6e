package dev.rlhfloop.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The back-off rule on a child that is a flag: no processes, no sleeping (the clock is passed in). */
class SupervisorTest {
    @TempDir
    Path dir;

    @Test
    void aDeadChildIsRestartedAfterADoublingBackOffThatStartsOverOnceItStaysUp() throws Exception {
        AtomicBoolean alive = new AtomicBoolean(true);
        AtomicInteger failuresToCome = new AtomicInteger(1);
        List<String> log = new ArrayList<>();
        Supervisor supervisor = new Supervisor(dir.resolve("status.json"), log::add).watch(new Supervisor.Child("kafka", alive::get, () -> {
            if (failuresToCome.getAndDecrement() > 0) throw new IllegalStateException("port in use");
            alive.set(true);
        }));
        Instant t = Instant.parse("2026-12-06T12:00:00Z");

        alive.set(false);
        supervisor.check(t);
        assertEquals("kafka exited; restarting it in 1 s (restart 1)", log.get(0));
        assertTrue(Files.readString(dir.resolve("status.json")).contains("\"state\":\"RESTARTING\""));
        supervisor.check(t.plusMillis(500)); // not yet due
        assertEquals(1, log.size());
        supervisor.check(t.plusSeconds(1)); // fails, next try 2 s later
        assertTrue(log.get(1).startsWith("kafka did not start (port in use); trying again in 2 s"), log.get(1));
        supervisor.check(t.plusSeconds(2));
        assertEquals(2, log.size());
        supervisor.check(t.plusSeconds(4)); // doubled again after this attempt, which works
        assertEquals("kafka restarted (restart 2)", log.get(2));
        String status = Files.readString(dir.resolve("status.json"));
        assertTrue(status.contains("\"state\":\"RUNNING\"") && status.contains("\"restarts\":2"), status);

        alive.set(false); // dies again soon: the back-off keeps growing (4 s)
        supervisor.check(Instant.now());
        assertEquals("kafka exited; restarting it in 4 s (restart 3)", log.get(3));
        supervisor.check(Instant.now().plusSeconds(4));
        supervisor.check(Instant.now().plus(Supervisor.STABLE).plusSeconds(10)); // up long enough: back to 1 s
        alive.set(false);
        supervisor.check(Instant.now().plus(Supervisor.STABLE).plusSeconds(11));
        assertEquals("kafka exited; restarting it in " + Supervisor.FIRST_BACKOFF.toSeconds() + " s (restart 4)", log.get(log.size() - 1));
        assertEquals(Duration.ofSeconds(30), Supervisor.MAX_BACKOFF);
    }
}
