package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.LineControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Deletes a line's version directories beyond what its control keeps ({@link LineControl#versionsKept}):
 * the newest N stay, and so do the line's first version (its baseline, which inference serves and
 * LoRA versions adapt) and the pinned one. N is at least {@link LineControl#RESIDENT_VERSIONS}, the
 * newest versions every inference instance holds and a starting one downloads, so nothing an
 * inference service still needs is ever deleted. A pruned version stays on the registry; its weights
 * answer 404 and it can no longer be pinned or replayed from.
 */
final class VersionPruner {
    private static final Logger LOG = Logger.getLogger(VersionPruner.class);

    private VersionPruner() {}

    /** The checkpoints of {@code line} that {@code control} does not keep, oldest first. */
    static List<ModelStore.Checkpoint> beyondKept(List<ModelStore.Checkpoint> line, LineControl control) {
        if (control.versionsKept() == null || line.isEmpty()) return List.of();
        int newest = Math.max(control.versionsKept(), LineControl.RESIDENT_VERSIONS);
        List<ModelStore.Checkpoint> pruned = new ArrayList<>();
        for (int i = 1; i < line.size() - newest; i++) {
            ModelStore.Checkpoint checkpoint = line.get(i);
            if (!checkpoint.version().versionId().equals(control.pinnedVersion())) pruned.add(checkpoint);
        }
        return pruned;
    }

    /**
     * Prunes {@code control.line()} in {@code store}; returns the version ids deleted. Each directory is
     * renamed out of the store's sight first (a checkpoint is a directory named by its number), so a reader
     * never meets half a version. Two trainers sharing the store may both prune: a directory already gone is skipped.
     */
    static List<String> prune(ModelStore store, LineControl control) {
        List<String> deleted = new ArrayList<>();
        for (ModelStore.Checkpoint checkpoint : beyondKept(store.checkpoints(control.line()), control)) {
            Path dir = checkpoint.directory();
            Path leaving = dir.resolveSibling(dir.getFileName() + ".pruned");
            try {
                Files.move(dir, leaving, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                ModelStore.deleteRecursively(leaving);
                deleted.add(checkpoint.version().versionId());
            } catch (java.nio.file.NoSuchFileException e) {
                // another trainer on the same store pruned it first
            } catch (IOException e) {
                LOG.warnf("line %s: cannot prune version %s (%s): %s", control.line(), checkpoint.version().versionId(), dir, e.toString());
            }
        }
        if (!deleted.isEmpty()) {
            LOG.infof("line %s: pruned version(s) %s from %s (keeping the newest %d, the first and the pinned one)", control.line(),
                    deleted, store.root(), control.versionsKept());
        }
        return deleted;
    }
}
