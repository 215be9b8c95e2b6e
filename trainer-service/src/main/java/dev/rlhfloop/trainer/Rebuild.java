package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.api.ReplayView.Result;
import dev.rlhfloop.contracts.api.ReplayView;
import dev.rlhfloop.contracts.ModelVersion;
import java.util.List;
import java.util.Objects;

/**
 * How a replayed version compares with the recorded version whose batch it took. Equal weights are
 * identical whatever made them; different weights are a difference only when the same engine at the
 * same vector width made both: the kernels sum in lane-sized chunks, so another width gives other
 * bits from the same log and settings, which says nothing about the replay.
 */
record Rebuild(String version, String rebuilds, ModelVersion.Cut cut, Result result, String reason) {

    static Rebuild of(ModelVersion replayed, ModelVersion recorded) {
        return of(replayed, recorded, false);
    }

    /**
     * {@code sameFiles}: the two archives hold the same files under different digests (the recorded
     * one deflated, as archives were before they were stored): identical too.
     */
    static Rebuild of(ModelVersion replayed, ModelVersion recorded, boolean sameFiles) {
        if (recorded == null) {
            return new Rebuild(replayed.versionId(), null, replayed.trainedOn().cut(), Result.NEW,
                    "past the recorded versions: a batch of the replay's own");
        }
        String versionId = replayed.versionId();
        ModelVersion.Cut cut = replayed.trainedOn().cut();
        if (sameFiles || replayed.weights().sha256().equals(recorded.weights().sha256())) {
            return new Rebuild(versionId, recorded.versionId(), cut, Result.IDENTICAL, null);
        }
        if (recorded.engine() == null) {
            return new Rebuild(versionId, recorded.versionId(), cut, Result.NOT_COMPARABLE,
                    "version " + recorded.versionId() + " does not record the engine that made it");
        }
        if (!Objects.equals(replayed.engine(), recorded.engine())) {
            return new Rebuild(versionId, recorded.versionId(), cut, Result.NOT_COMPARABLE, "made by another engine: "
                    + describe(recorded.engine()) + " for " + recorded.versionId() + ", " + describe(replayed.engine()) + " here");
        }
        String why = !replayed.trainedOn().forgottenRaters().equals(recorded.trainedOn().forgottenRaters())
                ? "other pairs: forgotten raters' pairs left out here " + raters(replayed) + ", in " + recorded.versionId() + " "
                        + raters(recorded)
                : !replayed.trainedOn().raterWeights().equals(recorded.trainedOn().raterWeights())
                ? "other pair weights: " + replayed.trainedOn().raterWeights() + " here, " + recorded.trainedOn().raterWeights() + " in "
                        + recorded.versionId()
                : replayed.algorithm() != recorded.algorithm()
                ? "another algorithm: " + replayed.algorithm() + ", " + recorded.versionId() + " was " + recorded.algorithm()
                : replayed.weights().format() != recorded.weights().format()
                ? "another kind of version: " + replayed.weights().format() + ", " + recorded.versionId() + " was " + recorded.weights().format()
                : "other weights from the same pairs and engine: another parent or other settings";
        return new Rebuild(versionId, recorded.versionId(), cut, Result.DIFFERS, why);
    }

    private static String raters(ModelVersion version) {
        List<String> raters = version.trainedOn().forgottenRaters();
        return raters.isEmpty() ? "none" : String.join(", ", raters);
    }

    private static String describe(ModelVersion.Engine engine) {
        return engine == null ? "an unknown engine" : "engine " + engine.version() + " with " + engine.floatLanes() + "-float vectors";
    }

    /** The form of one entry of a replay's {@code comparisons}. */
    ReplayView.Rebuild view() {
        return new ReplayView.Rebuild(version, rebuilds, cut, result, reason);
    }
}
