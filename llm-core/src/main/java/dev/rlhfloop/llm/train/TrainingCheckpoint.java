package dev.rlhfloop.llm.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.rlhfloop.llm.data.DataPosition;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.PeftAdapter;
import dev.rlhfloop.llm.train.TrainingListener.Evaluation;
import dev.rlhfloop.llm.train.TrainingListener.Phase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A resumable training run inside a model directory: besides the model ({@code config.json},
 * {@code model.safetensors}) and {@code tokenizer.json}, the optimizer state with the dropout
 * state ({@value Trainer#OPTIMIZER_FILE}) and {@value #STATE_FILE}: the phase, steps done, the
 * data loader's position, a fingerprint of the data, the settings and the loss history.
 *
 * <p>A kill must never leave a half-written checkpoint, so a checkpoint is first written whole
 * into {@value #NEXT_DIR} (with {@value #STATE_FILE} last, as the mark of completeness) and then
 * moved file by file into place, {@value #STATE_FILE} again last. {@link #read} finishes an
 * interrupted move, or throws away an incomplete {@value #NEXT_DIR}.
 */
public final class TrainingCheckpoint {

    public static final String STATE_FILE = "training.json";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    static final String NEXT_DIR = ".checkpoint-next";
    private static final List<String> FILES = List.of(GptCheckpoint.CONFIG_FILE, GptCheckpoint.WEIGHTS_FILE,
            PeftAdapter.CONFIG_FILE, PeftAdapter.WEIGHTS_FILE, Trainer.OPTIMIZER_FILE, STATE_FILE);

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Where a run stands. {@code step} updates are done out of {@code totalSteps}; {@code data} is
     * the loader's position after them; {@code settings} are the run's settings as JSON;
     * {@code seconds} the training time so far over all sessions.
     */
    public record State(Phase phase, long step, long totalSteps, boolean finished, DataPosition data,
                        String dataFingerprint, JsonNode settings, List<Evaluation> history, double seconds) {

        public State {
            history = List.copyOf(history);
        }
    }

    private TrainingCheckpoint() {}

    /** The state of the run in {@code directory}, if there is one (after completing an interrupted checkpoint). */
    public static Optional<State> read(Path directory) throws IOException {
        recover(directory);
        Path file = directory.resolve(STATE_FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), State.class));
        } catch (IOException e) {
            throw new IOException(file + ": not a training state file (" + e.getMessage() + ")", e);
        }
    }

    /** Writes model, optimizer and state as one checkpoint that is either wholly there or not at all. */
    public static void write(Path directory, Trainer trainer, State state) throws IOException {
        Path next = directory.resolve(NEXT_DIR);
        deleteTree(next);
        trainer.save(next);
        writeJson(next.resolve(STATE_FILE), state);
        commit(directory);
    }

    static void writeJson(Path file, Object value) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, JSON.writeValueAsString(value) + "\n");
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void recover(Path directory) throws IOException {
        Path next = directory.resolve(NEXT_DIR);
        if (!Files.isDirectory(next)) {
            return;
        }
        if (Files.isRegularFile(next.resolve(STATE_FILE))) {
            commit(directory);
        } else {
            deleteTree(next);
        }
    }

    private static void commit(Path directory) throws IOException {
        Path next = directory.resolve(NEXT_DIR);
        for (String name : FILES) {
            Path from = next.resolve(name);
            if (Files.exists(from)) {
                Files.move(from, directory.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        deleteTree(next);
    }

    /** Deletes a directory and everything in it (nothing if it is absent). */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
