package dev.rlhfloop.llm.train;

import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.train.TrainingListener.Evaluation;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import dev.rlhfloop.llm.train.TrainingListener.Progress;
import dev.rlhfloop.llm.train.TrainingListener.Sample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BootstrapTest {

    /** Records what the pipeline reports. */
    static final class Recorder implements TrainingListener {
        final List<Phase> started = new ArrayList<>();
        final List<Progress> steps = new ArrayList<>();
        final List<Evaluation> evaluations = new ArrayList<>();
        final List<Sample> samples = new ArrayList<>();
        final List<Long> checkpoints = new ArrayList<>();

        @Override public void phaseStarted(Phase phase, String description) { started.add(phase); }
        @Override public void stepped(Progress progress) { steps.add(progress); }
        @Override public void evaluated(Evaluation evaluation) { evaluations.add(evaluation); }
        @Override public void sampled(Sample sample) { samples.add(sample); }
        @Override public void checkpointed(Phase phase, long step, Path directory) { checkpoints.add(step); }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void bootstrapsAnSelfContainedInstructionModelAndScoresIt(@TempDir Path out) throws Exception {
        Recorder recorder = new Recorder();
        Bootstrap.Settings settings = Bootstrap.Settings.tiny();
        Bootstrap.Result result = Bootstrap.run(out, settings, recorder);

        Path sft = out.resolve(Bootstrap.SFT_DIR);
        assertEquals(sft, result.model());
        for (Path dir : List.of(out.resolve(Bootstrap.PRETRAINED_DIR), sft)) {
            for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "optimizer.safetensors", "training.json")) {
                assertTrue(Files.isRegularFile(dir.resolve(file)), dir + "/" + file);
            }
            assertFalse(Files.exists(dir.resolve(TrainingCheckpoint.NEXT_DIR)));
        }
        assertEquals(Files.readString(out.resolve("pretrained/tokenizer.json")), Files.readString(sft.resolve("tokenizer.json")));
        assertEquals(6, result.pretraining().steps());
        assertEquals(4, result.finetuning().steps());
        assertEquals(settings.scoreExamples(), result.score().score().total());
        assertTrue(Files.isRegularFile(out.resolve(Bootstrap.SUMMARY_FILE)));

        assertTrue(recorder.started.containsAll(List.of(Phase.TOKENIZER, Phase.PRETRAIN, Phase.SFT, Phase.SCORE)));
        assertEquals(10, recorder.steps.size());
        Progress last = recorder.steps.get(5);
        assertEquals(Phase.PRETRAIN, last.phase());
        assertEquals(6, last.step());
        assertEquals(6, last.totalSteps());
        assertTrue(last.tokensPerSecond() > 0 && Float.isFinite(last.loss()));
        assertEquals(List.of(3L, 6L, 2L, 4L), recorder.checkpoints);
        assertEquals(List.of(3L, 6L, 2L, 4L), recorder.evaluations.stream().map(Evaluation::step).toList());
        assertTrue(recorder.evaluations.stream().allMatch(e -> Float.isFinite(e.trainLoss()) && Float.isFinite(e.validationLoss())));
        assertEquals(2 + 2, recorder.samples.size()); // pretraining: 1 prompt at steps 3 and 6; SFT: 1 prompt at steps 2 and 4

        // Running it again resumes: both stages are finished, so nothing trains and the weights stay.
        String weights = sha256(sft.resolve("model.safetensors"));
        Recorder again = new Recorder();
        Bootstrap.run(out, settings, again);
        assertTrue(again.steps.isEmpty());
        assertEquals(weights, sha256(sft.resolve("model.safetensors")));
    }

    @Test
    void anInterruptedPretrainingResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        List<String> corpus = new BuiltinData(7).corpus(40_000);
        Pretraining.Settings settings = Bootstrap.Settings.tiny().pretraining().withRun(
                Bootstrap.Settings.tiny().pretraining().run().with(s -> s.dropout = 0.1f).withSteps(7));

        Path whole = dir.resolve("whole");
        Pretraining.run(whole, corpus, settings, false, TrainingListener.NONE);

        Path interrupted = dir.resolve("interrupted");
        RuntimeException stop = new RuntimeException("stopped");
        assertThrows(RuntimeException.class, () -> Pretraining.run(interrupted, corpus, settings, false, new TrainingListener() {
            @Override
            public void stepped(Progress progress) {
                if (progress.step() == 5) {
                    throw stop; // after the checkpoint at step 3
                }
            }
        }));
        assertEquals(3, TrainingCheckpoint.read(interrupted).orElseThrow().step());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Pretraining.run(interrupted, corpus, settings, false, TrainingListener.NONE));
        assertTrue(refused.getMessage().contains("--resume"), refused.getMessage());

        Recorder resumed = new Recorder();
        TrainingResult result = Pretraining.run(interrupted, corpus, settings, true, resumed);
        assertEquals(4, resumed.steps.get(0).step());
        assertEquals(7, result.steps());
        assertEquals(sha256(whole.resolve(GptCheckpoint.WEIGHTS_FILE)), sha256(interrupted.resolve(GptCheckpoint.WEIGHTS_FILE)));
        assertEquals(sha256(whole.resolve("optimizer.safetensors")), sha256(interrupted.resolve("optimizer.safetensors")));
        assertEquals(TrainingResult.of(whole, TrainingCheckpoint.read(whole).orElseThrow()).history(), result.history());

        List<String> otherCorpus = new BuiltinData(8).corpus(40_000);
        Path changed = dir.resolve("changed");
        assertThrows(RuntimeException.class, () -> Pretraining.run(changed, corpus, settings, false, new TrainingListener() {
            @Override
            public void stepped(Progress progress) {
                if (progress.step() == 4) {
                    throw stop;
                }
            }
        }));
        IllegalArgumentException differs = assertThrows(IllegalArgumentException.class,
                () -> Pretraining.run(changed, otherCorpus, settings, true, TrainingListener.NONE));
        assertTrue(differs.getMessage().contains("data differ"), differs.getMessage());
    }
}
