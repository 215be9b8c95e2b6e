package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.ModelVersion;
import java.util.LinkedHashMap;
import java.util.Map;

/** A registry entry in the form of {@code GET /api/models} (docs/web-api.md). */
final class ModelEntry {
    private ModelEntry() {}

    static Map<String, Object> of(ModelVersion v) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("version", v.versionId());
        e.put("line", v.modelLine());
        if (v.parentVersion() != null) e.put("parent", v.parentVersion());
        e.put("algorithm", v.algorithm().name());
        e.put("votesTrainedOn", v.trainedOn().votes());
        e.put("pairsTrainedOn", v.trainedOn().pairs());
        e.put("offsets", v.trainedOn().offsets());
        if (v.trainedOn().fromOffsets() != null) e.put("fromOffsets", v.trainedOn().fromOffsets());
        if (v.trainedOn().cut() != null) e.put("cut", v.trainedOn().cut().name());
        e.put("created", v.createdAt().toString());
        e.put("metrics", v.metrics());
        Map<String, Object> weights = new LinkedHashMap<>(Map.of("url", v.weights().url(), "sha256", v.weights().sha256()));
        weights.put("format", v.weights().format().name());
        if (v.weights().baseVersion() != null) weights.put("baseVersion", v.weights().baseVersion());
        e.put("weights", weights);
        if (v.engine() != null) e.put("engine", Map.of("version", v.engine().version(), "floatLanes", v.engine().floatLanes()));
        return e;
    }
}
