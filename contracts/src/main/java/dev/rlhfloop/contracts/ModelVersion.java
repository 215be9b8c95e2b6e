package dev.rlhfloop.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * An entry of the model registry (a compacted topic keyed by {@link #versionId}): a published
 * version, its lineage, what it was trained on, its metrics, and where its weights are.
 *
 * @param parentVersion the version it was trained from; null for a model trained from scratch
 */
public record ModelVersion(
        int schemaVersion,
        String versionId,
        String modelLine,
        String parentVersion,
        Algorithm algorithm,
        TrainedOn trainedOn,
        Map<String, Double> metrics,
        Weights weights,
        Instant createdAt) {

    public static final int SCHEMA_VERSION = 1;

    public ModelVersion {
        schemaVersion = InvalidEventException.schemaVersionOrFirst(schemaVersion);
        new InvalidEventException.Check("ModelVersion")
                .text("versionId", versionId)
                .text("modelLine", modelLine)
                .present("algorithm", algorithm)
                .present("weights", weights)
                .present("createdAt", createdAt)
                .done();
        trainedOn = trainedOn == null ? TrainedOn.NOTHING : trainedOn;
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    public String key() {
        return versionId;
    }

    /**
     * The feedback a version learned from.
     *
     * @param offsets next offset to read per {@code topic:partition}, i.e. everything before it was consumed
     */
    public record TrainedOn(long votes, long pairs, Map<String, Long> offsets) {
        public static final TrainedOn NOTHING = new TrainedOn(0, 0, Map.of());

        public TrainedOn {
            new InvalidEventException.Check("ModelVersion.trainedOn")
                    .that(votes >= 0, "votes must be >= 0, was " + votes)
                    .that(pairs >= 0, "pairs must be >= 0, was " + pairs)
                    .done();
            offsets = offsets == null ? Map.of() : Map.copyOf(offsets);
        }
    }

    /** Where to download the weights, and the SHA-256 (64 hex digits) they must have. */
    public record Weights(String url, String sha256) {
        public Weights {
            new InvalidEventException.Check("ModelVersion.weights")
                    .text("url", url)
                    .that(sha256 != null && sha256.matches("[0-9a-fA-F]{64}"),
                            "sha256 must be 64 hex digits, was " + sha256)
                    .done();
            sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
        }
    }
}
