package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.DataPosition;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.train.TrainingListener.Evaluation;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainingCheckpointTest {

    static TrainingCheckpoint.State state(long step) {
        return new TrainingCheckpoint.State(Phase.PRETRAIN, step, 10, false, new DataPosition(1, 2), "f",
                TrainingCheckpoint.JSON.valueToTree(RunSettings.pretraining()),
                List.of(new Evaluation(Phase.PRETRAIN, step, 1, false, 2.5f, 2.75f)), 1.5);
    }

    @Test
    void stateRoundTripsThroughTheDirectory(@TempDir Path dir) throws Exception {
        Trainer trainer = new Trainer(Gpt.create(GptConfig.of(20, 8, 8, 2, 1), 3), RunSettings.pretraining().trainerSettings(10));
        TrainingCheckpoint.write(dir, trainer, state(4));
        TrainingCheckpoint.State read = TrainingCheckpoint.read(dir).orElseThrow();
        // JSON number nodes compare by type (float written, double read), so compare the settings as the record they hold.
        assertEquals(RunSettings.pretraining(), TrainingCheckpoint.JSON.treeToValue(read.settings(), RunSettings.class));
        assertEquals(state(4).toString(), read.toString());
        assertFalse(Files.exists(dir.resolve(TrainingCheckpoint.NEXT_DIR)));
        assertTrue(Files.isRegularFile(dir.resolve(Trainer.OPTIMIZER_FILE)));
    }

    /** A kill between moving the files of a complete checkpoint leaves it in .checkpoint-next: reading finishes the move. */
    @Test
    void aCompleteCheckpointLeftHalfMovedIsFinishedOnRead(@TempDir Path dir) throws Exception {
        Trainer first = new Trainer(Gpt.create(GptConfig.of(20, 8, 8, 2, 1), 3), RunSettings.pretraining().trainerSettings(10));
        TrainingCheckpoint.write(dir, first, state(4));
        Trainer second = new Trainer(Gpt.create(GptConfig.of(20, 8, 8, 2, 1), 5), RunSettings.pretraining().trainerSettings(10));
        Path next = dir.resolve(TrainingCheckpoint.NEXT_DIR);
        second.save(next);
        TrainingCheckpoint.writeJson(next.resolve(TrainingCheckpoint.STATE_FILE), state(8));
        Files.move(next.resolve(GptCheckpoint.WEIGHTS_FILE), dir.resolve(GptCheckpoint.WEIGHTS_FILE),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING); // the kill came after the first move

        assertEquals(8, TrainingCheckpoint.read(dir).orElseThrow().step());
        assertFalse(Files.exists(next));
        assertArrayEquals(second.model().parameters().get(0).data(), GptCheckpoint.load(dir).parameters().get(0).data());
    }

    /** A kill while the checkpoint was still being written leaves no state file in .checkpoint-next: it is dropped. */
    @Test
    void anIncompleteCheckpointIsDiscarded(@TempDir Path dir) throws Exception {
        Trainer first = new Trainer(Gpt.create(GptConfig.of(20, 8, 8, 2, 1), 3), RunSettings.pretraining().trainerSettings(10));
        TrainingCheckpoint.write(dir, first, state(4));
        Path next = dir.resolve(TrainingCheckpoint.NEXT_DIR);
        new Trainer(Gpt.create(GptConfig.of(20, 8, 8, 2, 1), 5), RunSettings.pretraining().trainerSettings(10)).save(next);

        assertEquals(4, TrainingCheckpoint.read(dir).orElseThrow().step());
        assertFalse(Files.exists(next));
        assertArrayEquals(first.model().parameters().get(0).data(), GptCheckpoint.load(dir).parameters().get(0).data());
    }

    @Test
    void theScoredHeldOutTasksArePrefixesOfLongerRequests() {
        BuiltinData data = new BuiltinData(42);
        Bootstrap.Tasks tasks = Bootstrap.Tasks.of(data, 10, 7, 5);
        assertEquals(data.heldOutExamples(5), tasks.scored(), "llm score --examples N scores what llm sft --score N scored");
        assertEquals(7, tasks.validation().size());
        assertTrue(tasks.validation().stream().noneMatch(tasks.scored()::contains));
    }
}
