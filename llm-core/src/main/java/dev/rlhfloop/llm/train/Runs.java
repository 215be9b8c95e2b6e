package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.train.TrainingListener.Phase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What pretraining and fine-tuning check alike before they start or resume a run in a directory. */
final class Runs {

    private Runs() {}

    /**
     * The saved run of {@code phase} in the directory, if any. A run of another phase, an
     * unfinished run without {@code resume}, or a model that is not a run, are errors that say what to do.
     */
    static Optional<TrainingCheckpoint.State> existing(Path directory, Phase phase, boolean resume) throws IOException {
        Optional<TrainingCheckpoint.State> saved = TrainingCheckpoint.read(directory);
        if (saved.isEmpty()) {
            if (Files.exists(directory.resolve(GptCheckpoint.WEIGHTS_FILE))) {
                throw new IllegalArgumentException(directory + " already holds a model that is not a resumable run: choose another directory");
            }
            return saved;
        }
        TrainingCheckpoint.State state = saved.get();
        if (state.phase() != phase) {
            throw new IllegalArgumentException(directory + " holds a " + state.phase().name().toLowerCase() + " run, not a "
                    + phase.name().toLowerCase() + " run: choose another directory");
        }
        if (!resume) {
            throw new IllegalArgumentException(directory + " already holds a " + (state.finished() ? "finished" : "unfinished")
                    + " run (step " + state.step() + " of " + state.totalSteps() + "): pass --resume to "
                    + (state.finished() ? "keep it" : "continue it") + ", or choose another directory");
        }
        return saved;
    }

    /** A hash of the token ids a run trains and validates on, so a resume can tell the data changed. */
    static String fingerprint(int vocabSize, int[]... parts) {
        long hash = 1125899906842597L ^ vocabSize;
        StringBuilder sizes = new StringBuilder();
        for (int[] part : parts) {
            sizes.append(part.length).append('/');
            for (int id : part) {
                hash = 31 * hash + id;
            }
        }
        return sizes + Long.toHexString(hash);
    }

    static void checkSameData(Path directory, TrainingCheckpoint.State saved, String fingerprint) {
        if (!saved.dataFingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException(directory + ": the data differ from the data the saved run trained on ("
                    + fingerprint + " vs " + saved.dataFingerprint() + "): resume with the same corpus, or choose another directory");
        }
    }
}
