package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.rlhf.RewardModel;
import dev.rlhfloop.llm.rlhf.TokenizedPreference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The trainer's checkpoints on disk: {@code lines/<line>/<n>/} holds a version's model directory
 * (config.json, model.safetensors, tokenizer.json), its weights archive and {@code version.json}, the
 * registry entry with the topic offsets it was trained up to; the line's latest version also holds
 * the reward model its next update continues to train ({@code reward-model/}) and, on a PPO line, the
 * critic ({@code value-model/}); older versions drop both, a copy of the backbone each, since only
 * the latest resumes training. Every version trained from pairs keeps its reward model packed
 * ({@code reward-model.zip}): it is published with the version, for inference to choose among
 * sampled answers (best-of-n, uncertain pairs). A version directory
 * appears by an atomic rename, so it is either complete or absent: it is the checkpoint the
 * consumer offsets are committed after.
 */
public final class ModelStore {
    public static final String VERSION_FILE = "version.json";
    public static final String ARCHIVE_FILE = "weights.zip";
    public static final String MODEL_DIR = "model";
    public static final String REWARD_MODEL_DIR = "reward-model";
    public static final String VALUE_MODEL_DIR = "value-model";
    public static final String REWARD_MODEL_ARCHIVE = "reward-model.zip";
    /** The pairs a version's reward model trains on, kept while it follows the version's announcement. */
    public static final String REWARD_MODEL_BATCH = "reward-model-batch.json";

    private final Path root;

    public ModelStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** A checkpoint: its number in the line, its directory and its registry entry. */
    public record Checkpoint(int number, Path directory, ModelVersion version) {
        public Path modelDir() {
            return directory.resolve(MODEL_DIR);
        }

        public Path archive() {
            return directory.resolve(ARCHIVE_FILE);
        }

        public Path rewardModelDir() {
            return directory.resolve(REWARD_MODEL_DIR);
        }

        public Path rewardModelArchive() {
            return directory.resolve(REWARD_MODEL_ARCHIVE);
        }

        public Path valueModelDir() {
            return directory.resolve(VALUE_MODEL_DIR);
        }
    }

    /** A directory to write a new checkpoint into; {@link #commit} makes it visible. */
    public Path staging(String line, int number) throws IOException {
        Path dir = lineDir(line).resolve(number + ".partial");
        deleteRecursively(dir);
        Files.createDirectories(dir.resolve(MODEL_DIR));
        return dir;
    }

    /**
     * Writes the registry entry into the staged directory and renames it into place; then the
     * line's older versions drop their reward model and critic.
     */
    public Checkpoint commit(Path staged, int number, ModelVersion version) throws IOException {
        Files.write(staged.resolve(VERSION_FILE), Json.write(version));
        Path target = lineDir(version.modelLine()).resolve(Integer.toString(number));
        deleteRecursively(target);
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        // a reward model that follows is trained from the one before: that stays until it is published
        dropOlderModels(target, version.rewardModelFollows() ? number - 1 : number);
        return new Checkpoint(number, target, version);
    }

    /** Saves a reward model into a version's directory ({@code save} writes its files), and its archive beside it. */
    static void writeRewardModel(Path versionDir, IoConsumer<Path> save) throws IOException {
        save.accept(versionDir.resolve(REWARD_MODEL_DIR));
        // published beside the weights (GET /api/models/{version}/reward-model): inference may rank sampled answers with it
        ModelArchive.packStored(versionDir.resolve(REWARD_MODEL_DIR), versionDir.resolve(REWARD_MODEL_ARCHIVE), RewardModel.ARCHIVE_FILES);
    }

    /** Writes what a version's reward model trains on when it follows the version's announcement. */
    static void writeRewardModelBatch(Path versionDir, List<TokenizedPreference> pairs) throws IOException {
        Files.write(versionDir.resolve(REWARD_MODEL_BATCH), Json.MAPPER.writeValueAsBytes(pairs));
    }

    /** The pairs {@link #writeRewardModelBatch} kept with a version whose reward model was not published yet. */
    static List<TokenizedPreference> readRewardModelBatch(Checkpoint checkpoint) throws IOException {
        return List.of(Json.MAPPER.readValue(Files.readAllBytes(checkpoint.directory().resolve(REWARD_MODEL_BATCH)),
                TokenizedPreference[].class));
    }

    /**
     * Adds the reward model that followed a committed version's announcement: its files first, then
     * {@code complete}, the version's entry that says it is published, by an atomic rename (a restart
     * before it trains the reward model again, from the batch kept for it); then the older versions
     * drop theirs.
     */
    public Checkpoint addRewardModel(Checkpoint checkpoint, ModelVersion complete, IoConsumer<Path> save) throws IOException {
        Path dir = checkpoint.directory();
        deleteRecursively(dir.resolve(REWARD_MODEL_DIR));
        writeRewardModel(dir, save);
        Path entry = dir.resolve(VERSION_FILE + ".partial");
        Files.write(entry, Json.write(complete));
        Files.move(entry, dir.resolve(VERSION_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(dir.resolve(REWARD_MODEL_BATCH));
        dropOlderModels(dir, checkpoint.number());
        return new Checkpoint(checkpoint.number(), dir, complete);
    }

    /** Writes files into a path; may fail as I/O does. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T path) throws IOException;
    }

    /**
     * The line's versions before {@code number} drop their reward model and critic: only the latest
     * resumes training. By directory name, without reading every version.json of the line at each update.
     */
    private static void dropOlderModels(Path versionDir, int number) throws IOException {
        try (Stream<Path> children = Files.list(versionDir.getParent())) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                if (name.matches("\\d+") && Integer.parseInt(name) < number) {
                    deleteRecursively(child.resolve(REWARD_MODEL_DIR));
                    deleteRecursively(child.resolve(VALUE_MODEL_DIR));
                }
            }
        }
    }

    /** Every complete checkpoint of a line, oldest first. */
    public List<Checkpoint> checkpoints(String line) {
        Path dir = lineDir(line);
        if (!Files.isDirectory(dir)) return List.of();
        List<Checkpoint> found = new ArrayList<>();
        try (Stream<Path> children = Files.list(dir)) {
            for (Path child : children.toList()) {
                String name = child.getFileName().toString();
                if (!name.matches("\\d+") || !Files.isRegularFile(child.resolve(VERSION_FILE))) continue;
                found.add(new Checkpoint(Integer.parseInt(name), child,
                        Json.read(Files.readAllBytes(child.resolve(VERSION_FILE)), ModelVersion.class)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoints of line " + line + " in " + dir, e);
        }
        found.sort(Comparator.comparingInt(Checkpoint::number));
        return found;
    }

    public Optional<Checkpoint> latest(String line) {
        List<Checkpoint> all = checkpoints(line);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Every complete checkpoint of every line. */
    public List<Checkpoint> all() {
        Path lines = root.resolve("lines");
        if (!Files.isDirectory(lines)) return List.of();
        try (Stream<Path> children = Files.list(lines)) {
            return children.filter(Files::isDirectory)
                    .flatMap(dir -> checkpoints(dir.getFileName().toString()).stream())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + lines, e);
        }
    }

    public Optional<Checkpoint> find(String versionId) {
        return all().stream().filter(c -> c.version().versionId().equals(versionId)).findFirst();
    }

    private Path lineDir(String line) {
        return root.resolve("lines").resolve(line);
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
