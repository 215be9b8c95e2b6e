package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.api.ReplayView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.ModelVersion;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replayed version against the one it rebuilds: like is compared with like. */
class RebuildTest {
    private static final ModelVersion.Engine AVX2 = new ModelVersion.Engine("0.1.0", 8);
    private static final ModelVersion.Engine AVX512 = new ModelVersion.Engine("0.1.0", 16);

    private static ModelVersion version(String id, Algorithm algorithm, char digest, ModelVersion.Engine engine) {
        return new ModelVersion(ModelVersion.SCHEMA_VERSION, id, "l", "1", algorithm,
                new ModelVersion.TrainedOn(4, 4, Map.of("rlhf.preference-pairs:0", 4L), Map.of("rlhf.preference-pairs:0", 0L), ModelVersion.Cut.TIME),
                Map.of(), new ModelVersion.Weights("http://w/" + id, String.valueOf(digest).repeat(64)), Instant.EPOCH, engine);
    }

    @Test
    void sameBitsAreIdenticalOtherBitsDifferOnlyOnTheSameEngine() {
        ModelVersion live = version("2", Algorithm.DPO, 'a', AVX512);
        assertEquals(ReplayView.Result.IDENTICAL, Rebuild.of(version("r-2", Algorithm.DPO, 'a', AVX512), live).result());
        assertEquals(ReplayView.Result.IDENTICAL, Rebuild.of(version("r-2", Algorithm.DPO, 'a', AVX2), live).result());
        assertEquals(ReplayView.Result.DIFFERS, Rebuild.of(version("r-2", Algorithm.DPO, 'b', AVX512), live).result());
        assertEquals(ReplayView.Result.IDENTICAL, Rebuild.of(version("r-2", Algorithm.DPO, 'b', AVX512), live, true).result(),
                "the same files in archives packed differently (the recorded one deflated)");

        Rebuild otherWidth = Rebuild.of(version("r-2", Algorithm.DPO, 'b', AVX2), live);
        assertEquals(ReplayView.Result.NOT_COMPARABLE, otherWidth.result());
        assertTrue(otherWidth.reason().contains("16-float") && otherWidth.reason().contains("8-float"), otherWidth.reason());
        assertEquals(ReplayView.Result.NOT_COMPARABLE, Rebuild.of(version("r-2", Algorithm.DPO, 'b', AVX512),
                version("2", Algorithm.DPO, 'a', null)).result(), "a version from before engines were recorded");
        assertEquals(ReplayView.Result.NOT_COMPARABLE, Rebuild.of(version("r-2", Algorithm.DPO, 'b', new ModelVersion.Engine("0.2.0", 16)), live)
                .result(), "another engine version");
    }

    @Test
    void theViewNamesWhatWasRebuiltAndWhy() {
        Rebuild rebuild = Rebuild.of(version("r-2", Algorithm.RLOO, 'b', AVX512), version("2", Algorithm.DPO, 'a', AVX512));
        assertEquals(new ReplayView.Rebuild("r-2", "2", ModelVersion.Cut.TIME, ReplayView.Result.DIFFERS,
                "another algorithm: RLOO, 2 was DPO"), rebuild.view());
        assertEquals(ReplayView.Result.NEW, Rebuild.of(version("r-9", Algorithm.DPO, 'c', AVX512), null).result());
    }

    @Test
    void aReplayThatLeftOutAForgottenRaterSaysSo() {
        ModelVersion live = version("2", Algorithm.DPO, 'a', AVX512);
        ModelVersion r = version("r-2", Algorithm.DPO, 'b', AVX512);
        ModelVersion.TrainedOn skipped = new ModelVersion.TrainedOn(3, 3, r.trainedOn().offsets(), r.trainedOn().fromOffsets(),
                r.trainedOn().cut(), java.util.List.of("r-0123456789abcdef"));
        ModelVersion replayed = new ModelVersion(r.schemaVersion(), r.versionId(), r.modelLine(), r.parentVersion(), r.algorithm(), skipped,
                r.metrics(), r.weights(), r.createdAt(), r.engine());
        Rebuild rebuild = Rebuild.of(replayed, live);
        assertEquals(ReplayView.Result.DIFFERS, rebuild.result());
        assertEquals("other pairs: forgotten raters' pairs left out here r-0123456789abcdef, in 2 none", rebuild.reason());
    }
}
