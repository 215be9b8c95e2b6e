package dev.rlhfloop.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.LineControl;
import dev.rlhfloop.contracts.ModelVersion;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which versions a kept count lets go: never the first, the newest N or the pinned one. */
class VersionPrunerTest {

    private static List<ModelStore.Checkpoint> line(int versions) {
        return IntStream.rangeClosed(1, versions).mapToObj(n -> new ModelStore.Checkpoint(n, Path.of("lines/live/" + n),
                new ModelVersion(ModelVersion.SCHEMA_VERSION, Integer.toString(n), "live", null, n == 1 ? Algorithm.SFT : Algorithm.DPO,
                        ModelVersion.TrainedOn.NOTHING, Map.of(), new ModelVersion.Weights("http://t/" + n, "0".repeat(64)), Instant.EPOCH))).toList();
    }

    private static List<String> pruned(int versions, String pinned, Integer kept) {
        LineControl control = new LineControl(LineControl.SCHEMA_VERSION, "live", pinned, false, kept, Instant.EPOCH);
        return VersionPruner.beyondKept(line(versions), control).stream().map(c -> c.version().versionId()).toList();
    }

    @Test
    void keepsTheFirstTheNewestAndThePinned() {
        assertEquals(List.of("2", "3", "5"), pruned(10, "4", 5));
        assertEquals(List.of("2", "3", "4", "5"), pruned(10, "1", 5));
        assertEquals(List.of(), pruned(10, null, null), "unset keeps every version");
        assertEquals(List.of(), pruned(5, null, 4), "the first and the newest four are all there is");
        assertEquals(List.of("2"), pruned(6, null, 4));
    }
}
