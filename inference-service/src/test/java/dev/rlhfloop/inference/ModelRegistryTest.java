package dev.rlhfloop.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.PropertiesConfigSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {

    private static ServedModel model(String version) {
        return new ServedModel(version, null, null);
    }

    @Test
    void pairsFollowTheCompareMode() {
        ModelRegistry registry = new ModelRegistry();
        assertThrows(ModelRegistry.NoModelException.class, () -> registry.pair(CompareMode.LATEST));
        ServedModel v1 = model("v1");
        ServedModel v2 = model("v2");
        ServedModel v3 = model("v3");
        registry.serve(v1);
        assertSame(v1, registry.pair(CompareMode.LATEST_VS_PREVIOUS).second(), "no previous yet: the current twice");
        registry.serve(v2);
        registry.serve(v3);
        assertEquals(new ModelRegistry.Pair(v3, v3), registry.pair(CompareMode.LATEST));
        assertEquals(new ModelRegistry.Pair(v3, v2), registry.pair(CompareMode.LATEST_VS_PREVIOUS));
        assertEquals(new ModelRegistry.Pair(v3, v1), registry.pair(CompareMode.LATEST_VS_BASELINE));
    }

    @Test
    void lineVsLinePitsTheLiveLatestAgainstALineServedBesideIt() {
        ModelRegistry registry = new ModelRegistry();
        ServedModel v1 = model("1");
        ServedModel v2 = model("2");
        registry.serve(v1);
        registry.serve(v2);
        assertEquals(new ModelRegistry.Pair(v2, v2), registry.pair(CompareMode.LINE_VS_LINE), "no line served: the latest twice");
        ServedModel rloo = model("rloo-replay-4");
        registry.serveBeside("rloo-replay", rloo);
        assertEquals(new ModelRegistry.Pair(v2, rloo), registry.pair(CompareMode.LINE_VS_LINE));
        assertSame(rloo, registry.find("rloo-replay-4").orElseThrow(), "it answers follow-ups and reveals like any served version");
        assertEquals(java.util.List.of("2", "1"), registry.resident().stream().map(ServedModel::versionId).toList(),
                "not among the live line's resident versions (latest-vs-resident never draws it)");
        assertEquals("rloo-replay-4", registry.versionsByRole().get("line-rloo-replay"));
        registry.pin(new ModelRegistry.Pin("1", v1, null));
        assertEquals(new ModelRegistry.Pair(v1, rloo), registry.pair(CompareMode.LINE_VS_LINE), "the live side is the pinned version");
        registry.serveBeside("rloo-replay", null);
        assertTrue(registry.find("rloo-replay-4").isEmpty());
        assertEquals(new ModelRegistry.Pair(v1, v1), registry.pair(CompareMode.LINE_VS_LINE));
    }

    @Test
    void aRequestNamesItsModeAsTheConfigurationSpellsIt() {
        assertEquals(CompareMode.LINE_VS_LINE, CompareMode.named("line-vs-line"));
        assertEquals(CompareMode.LATEST_VS_BASELINE, CompareMode.named("latest-vs-baseline"));
        assertEquals(null, CompareMode.named(null));
        java.util.List<String> spelt = java.util.Arrays.stream(CompareMode.values())
                .map(m -> m.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList();
        assertEquals(spelt, java.util.List.of(dev.rlhfloop.contracts.api.CreateComparison.MODES.split("\\|")),
                "every mode, and only those, may be named in a request");
    }

    @Test
    void theLastFourVersionsAndTheBaselineStayResidentAndAnyOfThemAnswers() {
        ModelRegistry registry = new ModelRegistry();
        registry.serve(model("v1"));
        assertEquals(new ModelRegistry.Pair(registry.current(), registry.current()), registry.pair(CompareMode.LATEST_VS_RESIDENT),
                "nothing else resident yet: the current twice");
        for (int v = 2; v <= 7; v++) registry.serve(model("v" + v));
        assertEquals(java.util.List.of("v7", "v6", "v5", "v4", "v1"), registry.resident().stream().map(ServedModel::versionId).toList());
        assertTrue(registry.find("v3").isEmpty(), "the fifth newest is let go");
        assertEquals(Map.of("current", "v7", "previous", "v6", "baseline", "v1", "resident-3", "v5", "resident-4", "v4"),
                registry.versionsByRole());
        java.util.Random random = new java.util.Random(3);
        java.util.Map<String, Integer> answered = new java.util.TreeMap<>();
        for (int i = 0; i < 400; i++) {
            ModelRegistry.Pair pair = registry.pair(CompareMode.LATEST_VS_RESIDENT, random);
            assertEquals("v7", pair.first().versionId());
            answered.merge(pair.second().versionId(), 1, Integer::sum);
        }
        assertEquals(java.util.Set.of("v1", "v4", "v5", "v6"), answered.keySet(), "each other resident version answers: " + answered);
        assertTrue(answered.values().stream().allMatch(n -> n > 60), "about a quarter each: " + answered);
    }

    @Test
    void latestVsBaselinePitsTheBaselineInItsShareOfComparisons() {
        java.util.Random random = new java.util.Random(7);
        int baseline = 0;
        for (int i = 0; i < 2000; i++) {
            if (CompareMode.LATEST_VS_BASELINE.draw(0.5, random) == CompareMode.LATEST_VS_BASELINE) baseline++;
        }
        assertTrue(baseline > 900 && baseline < 1100, "about half against the baseline: " + baseline + "/2000");
        for (int i = 0; i < 100; i++) {
            assertEquals(CompareMode.LATEST_VS_BASELINE, CompareMode.LATEST_VS_BASELINE.draw(1, random));
            assertEquals(CompareMode.LATEST, CompareMode.LATEST_VS_BASELINE.draw(0, random));
            assertEquals(CompareMode.LATEST_VS_PREVIOUS, CompareMode.LATEST_VS_PREVIOUS.draw(0, random), "other modes are not mixed");
            assertEquals(CompareMode.LATEST, CompareMode.LATEST.draw(1, random));
        }
    }

    @Test
    void theDefaultPitsTheLatestAgainstTheBaselineInHalfTheComparisons() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("rlhf.inference.download-dir", "/tmp/x"), "test", 500))
                .withMapping(InferenceConfig.class)
                .build();
        InferenceConfig mapped = config.getConfigMapping(InferenceConfig.class);
        assertEquals(CompareMode.LATEST_VS_BASELINE, mapped.compare());
        assertEquals(0.5, mapped.baselineShare());
    }

    @Test
    void compareModesReadFromConfigInKebabCase() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of("rlhf.inference.compare", "latest-vs-baseline",
                        "rlhf.inference.download-dir", "/tmp/x"), "test", 500))
                .withMapping(InferenceConfig.class)
                .build();
        InferenceConfig mapped = config.getConfigMapping(InferenceConfig.class);
        assertEquals(CompareMode.LATEST_VS_BASELINE, mapped.compare());
        assertEquals(64, mapped.sampling().maxNewTokens());
    }
}
