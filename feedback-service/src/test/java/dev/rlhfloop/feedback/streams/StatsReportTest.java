package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsReportTest {

    @Test
    void versionsAreListedInPublishingOrderNotAsText() {
        List<String> versions = new ArrayList<>(List.of("10", "2", "replay-10", "1", "replay-2", "9", "11"));
        versions.sort(StatsReport.VERSION_ORDER);
        assertEquals(List.of("1", "2", "9", "10", "11", "replay-2", "replay-10"), versions);
    }
}
