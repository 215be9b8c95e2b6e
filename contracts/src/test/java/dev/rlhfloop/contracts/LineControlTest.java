package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A line control on the topic: complete, never keeping fewer than inference holds, and read back as written. */
class LineControlTest {
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void aLineNeverSetServesTheNewestTrainsAndKeepsEverything() {
        LineControl none = LineControl.none("live");
        assertNull(none.pinnedVersion());
        assertFalse(none.paused());
        assertNull(none.versionsKept());
    }

    @Test
    void refusesWhatNoInstanceCouldFollow() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> new LineControl(1, " ", " ", false, 3, null));
        assertEquals("LineControl: line is missing; pinnedVersion is blank (null unpins); versionsKept is below 4; updatedAt is missing",
                e.getMessage());
    }

    @Test
    void readsBackAsWritten() {
        LineControl control = new LineControl(LineControl.SCHEMA_VERSION, "live", "3", true, 6, NOW);
        assertEquals(control, Json.read(Json.write(control), LineControl.class));
        assertEquals("live", control.key());
        LineControl served = control.servedBeside(true, NOW);
        assertEquals(served, Json.read(Json.write(served), LineControl.class));
    }

    @Test
    void aSchemaOneRecordServesNoLineBesideTheLiveOne() {
        String v1 = "{\"schemaVersion\": 1, \"line\": \"rloo-replay\", \"pinnedVersion\": null, \"paused\": true, "
                + "\"versionsKept\": null, \"updatedAt\": \"2026-12-06T10:00:00Z\"}";
        LineControl read = Json.read(v1, LineControl.class);
        assertFalse(read.served());
        assertEquals(true, read.paused());
        assertEquals(true, read.servedBeside(true, NOW).paused(), "serving keeps the rest of the control");
    }
}
