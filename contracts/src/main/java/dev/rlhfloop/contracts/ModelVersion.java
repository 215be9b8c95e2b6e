package dev.rlhfloop.contracts;

import java.time.Instant;
import java.util.Map;

/**
 * An entry of the model registry (a compacted topic keyed by {@link #versionId}): a published
 * version, its lineage, what it was trained on, its metrics, and where its weights are.
 *
 * @param parentVersion the version it was trained from; null for a model trained from scratch
 * @param engine what the weights' bits depend on beyond the log and the settings (schema 2; absent before)
 * @param rewardModel where the reward model trained with the version stands (schema 6; absent before, and for a
 *                    version without one): {@code TRAINING} in the entry that announces weights whose update did not
 *                    need it yet, {@code PUBLISHED} once it is published beside them (a later entry of the same
 *                    version, which also adds its metrics). Absent: published with the weights, if the version has one
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
        Instant createdAt,
        Engine engine,
        RewardModelState rewardModel) {

    /**
     * 2 added {@code engine} and {@code trainedOn.fromOffsets}/{@code cut}; 3 added {@code weights.format}
     * and {@code weights.baseVersion} (a LoRA adapter over another version); 4 added
     * {@code trainedOn.forgottenRaters}; 5 added {@code trainedOn.raterWeights}; 6 added {@code rewardModel}; all optional.
     */
    public static final int SCHEMA_VERSION = 6;

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

    /** A version that does not say where its reward model stands (schema 5 and before, the SFT model). */
    public ModelVersion(int schemaVersion, String versionId, String modelLine, String parentVersion, Algorithm algorithm,
                        TrainedOn trainedOn, Map<String, Double> metrics, Weights weights, Instant createdAt, Engine engine) {
        this(schemaVersion, versionId, modelLine, parentVersion, algorithm, trainedOn, metrics, weights, createdAt, engine, null);
    }

    /** A version that does not say which engine made it (schema 1, or a model from elsewhere). */
    public ModelVersion(int schemaVersion, String versionId, String modelLine, String parentVersion, Algorithm algorithm,
                        TrainedOn trainedOn, Map<String, Double> metrics, Weights weights, Instant createdAt) {
        this(schemaVersion, versionId, modelLine, parentVersion, algorithm, trainedOn, metrics, weights, createdAt, null);
    }

    public String key() {
        return versionId;
    }

    /** This entry once its reward model is published: its state {@code PUBLISHED}, the reward model's metrics added. */
    public ModelVersion withRewardModel(Map<String, Double> rewardModelMetrics) {
        Map<String, Double> all = new java.util.HashMap<>(metrics);
        all.putAll(rewardModelMetrics);
        return new ModelVersion(schemaVersion, versionId, modelLine, parentVersion, algorithm, trainedOn, all, weights, createdAt, engine,
                RewardModelState.PUBLISHED);
    }

    /** Whether the version's reward model is still to come: inference asks for it once an entry says it is published. */
    public boolean rewardModelFollows() {
        return rewardModel == RewardModelState.TRAINING;
    }

    /**
     * The feedback a version learned from.
     *
     * @param offsets next offset to read per {@code topic:partition}, i.e. everything before it was consumed
     * @param fromOffsets where this version's pairs start per {@code topic:partition}: its pairs are exactly
     *                    the records in [fromOffsets, offsets); null when not recorded (then the parent's offsets)
     * @param cut what ended the batch; null when not recorded
     * @param forgottenRaters the raters whose pairs in [fromOffsets, offsets) the version left out because the
     *                        admin had them forgotten (sorted; empty when none): with the range, exactly what it learned from
     * @param raterWeights the weight each rater's pairs had in the losses, per rater of the version's pairs, when the
     *                     version weighed pairs by reliability (empty when it did not): a replay of the batch uses these
     */
    public record TrainedOn(long votes, long pairs, Map<String, Long> offsets, Map<String, Long> fromOffsets, Cut cut,
                            java.util.List<String> forgottenRaters, Map<String, Double> raterWeights) {
        public static final TrainedOn NOTHING = new TrainedOn(0, 0, Map.of());

        public TrainedOn {
            new InvalidEventException.Check("ModelVersion.trainedOn")
                    .that(votes >= 0, "votes must be >= 0, was " + votes)
                    .that(pairs >= 0, "pairs must be >= 0, was " + pairs)
                    .done();
            offsets = offsets == null ? Map.of() : Map.copyOf(offsets);
            fromOffsets = fromOffsets == null ? null : Map.copyOf(fromOffsets);
            forgottenRaters = forgottenRaters == null ? java.util.List.of() : java.util.List.copyOf(forgottenRaters);
            raterWeights = raterWeights == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(raterWeights));
        }

        public TrainedOn(long votes, long pairs, Map<String, Long> offsets, Map<String, Long> fromOffsets, Cut cut,
                         java.util.List<String> forgottenRaters) {
            this(votes, pairs, offsets, fromOffsets, cut, forgottenRaters, null);
        }

        public TrainedOn(long votes, long pairs, Map<String, Long> offsets, Map<String, Long> fromOffsets, Cut cut) {
            this(votes, pairs, offsets, fromOffsets, cut, null, null);
        }

        public TrainedOn(long votes, long pairs, Map<String, Long> offsets) {
            this(votes, pairs, offsets, null, null, null, null);
        }
    }

    /**
     * Why a batch ended where it did: {@code COUNT} pairs-per-version pairs were due in the log's order,
     * {@code TIME} the oldest waiting pair had waited max-wait, {@code END} a replay reached the end of
     * its range. Open for extension: a newer value reads as {@code OTHER}.
     */
    public enum Cut {
        COUNT, TIME, END,
        @com.fasterxml.jackson.annotation.JsonEnumDefaultValue OTHER
    }

    /**
     * The engine that computed the weights: its version and the floats per vector its kernels used.
     * Sums run in lane-sized chunks, so weights compare bit for bit only between equal engines.
     */
    public record Engine(String version, int floatLanes) {
        public Engine {
            new InvalidEventException.Check("ModelVersion.engine")
                    .text("version", version)
                    .that(floatLanes >= 1, "floatLanes must be >= 1, was " + floatLanes)
                    .done();
        }
    }

    /**
     * Where to download the weights, and the SHA-256 (64 hex digits) they must have.
     *
     * @param format what the archive holds: a whole model ({@code FULL}, the default when absent) or a
     *               LoRA adapter in PEFT's layout ({@code LORA}) that applies to {@code baseVersion}
     * @param baseVersion for an adapter, the version whose full weights it adapts (the line's SFT model); else null
     */
    public record Weights(String url, String sha256, Format format, String baseVersion) {
        public Weights {
            format = format == null ? Format.FULL : format;
            new InvalidEventException.Check("ModelVersion.weights")
                    .text("url", url)
                    .that(sha256 != null && sha256.matches("[0-9a-fA-F]{64}"),
                            "sha256 must be 64 hex digits, was " + sha256)
                    .that(format != Format.LORA || baseVersion != null && !baseVersion.isBlank(),
                            "a LORA adapter needs the baseVersion it adapts")
                    .done();
            sha256 = sha256.toLowerCase(java.util.Locale.ROOT);
        }

        /** Whole-model weights. */
        public Weights(String url, String sha256) {
            this(url, sha256, Format.FULL, null);
        }

        /** A LoRA adapter over {@code baseVersion}. */
        public static Weights adapter(String url, String sha256, String baseVersion) {
            return new Weights(url, sha256, Format.LORA, baseVersion);
        }

        public boolean isAdapter() {
            return format == Format.LORA;
        }
    }

    /**
     * Where a version's reward model stands: still {@code TRAINING} after the weights were announced, or
     * {@code PUBLISHED} beside them. Open for extension: a newer value reads as {@code OTHER}.
     */
    public enum RewardModelState {
        TRAINING, PUBLISHED,
        @com.fasterxml.jackson.annotation.JsonEnumDefaultValue OTHER
    }

    /** What a version's archive holds. Open for extension: a newer value reads as {@code OTHER}. */
    public enum Format {
        FULL, LORA,
        @com.fasterxml.jackson.annotation.JsonEnumDefaultValue OTHER
    }
}
