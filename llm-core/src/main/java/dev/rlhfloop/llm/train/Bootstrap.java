package dev.rlhfloop.llm.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.train.TrainingListener.Phase;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * From nothing to an instruction-following model: the built-in data, a tokenizer trained on its
 * corpus, pretraining, then SFT on its instruction examples, and the exact-match accuracy of both
 * models on the held-out tasks. Writes {@value #PRETRAINED_DIR}/ and {@value #SFT_DIR}/ (the
 * final model) under the output directory, and {@value #SUMMARY_FILE} beside them. Running it
 * again resumes where it stopped: finished stages are kept, an interrupted one continues from its
 * last checkpoint.
 */
public final class Bootstrap {

    public static final String PRETRAINED_DIR = "pretrained";
    public static final String SFT_DIR = "sft";
    public static final String SUMMARY_FILE = "bootstrap.json";

    /**
     * The built-in data ({@code dataSeed}, corpus size, instruction examples for training and
     * validation) and how many held-out tasks to score, plus both stages' settings.
     */
    public record Settings(long dataSeed, long corpusChars, int trainExamples, int validationExamples, int scoreExamples,
                           Pretraining.Settings pretraining, Finetuning.Settings finetuning) {

        public Settings {
            if (corpusChars <= 0 || trainExamples <= 0 || validationExamples <= 0 || scoreExamples <= 0) {
                throw new IllegalArgumentException("corpus size and example counts must be positive");
            }
        }

        /** These settings with another fine-tuning run. */
        public Settings withFinetuning(Finetuning.Settings settings) {
            return new Settings(dataSeed, corpusChars, trainExamples, validationExamples, scoreExamples, pretraining, settings);
        }

        /**
         * The {@code nano} model on the default built-in data with the verbs' default settings
         * ({@link RunSettings#pretraining()}, {@link RunSettings#finetuning()}), but
         * {@code pretrainSteps} of 8 windows of 256 tokens and {@code sftSteps} of 8 instruction examples.
         */
        public static Settings nano(int pretrainSteps, int sftSteps) {
            return preset("nano", pretrainSteps, sftSteps);
        }

        /** {@link #nano(int, int)} with another model preset ({@code nano}, {@code small}: {@link GptConfig#preset}). */
        public static Settings preset(String preset, int pretrainSteps, int sftSteps) {
            Pretraining.Settings pretraining = Pretraining.Settings.preset(preset).withRun(RunSettings.pretraining()
                    .withSteps(pretrainSteps).with(s -> s.warmupSteps = Math.min(RunSettings.pretraining().warmupSteps(), pretrainSteps / 10)));
            Finetuning.Settings finetuning = Finetuning.Settings.defaults().withMaxLength(256).withRun(RunSettings.finetuning()
                    .withSteps(sftSteps).with(s -> s.warmupSteps = Math.min(RunSettings.finetuning().warmupSteps(), sftSteps / 10)));
            return new Settings(BuiltinData.DEFAULT_SEED, BuiltinData.DEFAULT_CORPUS_CHARS, BuiltinData.DEFAULT_TRAIN_EXAMPLES,
                    200, 200, pretraining, finetuning);
        }

        /**
         * The run measured in docs/training.md, the same as {@code llm pretrain} then {@code llm sft}
         * with their defaults: 560 pretraining steps, then one and a half epochs of SFT (1,125 steps of 8 examples).
         */
        public static Settings nano() {
            RunSettings sft = RunSettings.finetuning();
            return nano(RunSettings.pretraining().steps(),
                    (int) sft.totalSteps(BuiltinData.DEFAULT_TRAIN_EXAMPLES / sft.batchSize()));
        }

        /** A model of a few thousand parameters on a small slice of the data: seconds, for tests. */
        public static Settings tiny() {
            GptConfig model = GptConfig.of(300, 32, 16, 2, 1);
            Pretraining.Settings pretraining = new Pretraining.Settings(model, 300, 0, 0.1, "Once upon a time",
                    RunSettings.pretraining().withSteps(6).with(s -> {
                        s.batchSize = 4;
                        s.warmupSteps = 2;
                    }).withIntervals(3, 2, 3, 3));
            Finetuning.Settings finetuning = new Finetuning.Settings(32, 1,
                    RunSettings.finetuning().withSteps(4).with(s -> {
                        s.batchSize = 4;
                        s.warmupSteps = 1;
                    }).withIntervals(2, 2, 2, 2));
            return new Settings(BuiltinData.DEFAULT_SEED, 60_000, 40, 8, 8, pretraining, finetuning);
        }
    }

    /**
     * The built-in instruction data as the pipeline uses it: {@code train} from the training
     * generator; {@code scored} (the held-out tasks both models are scored on) and {@code validation}
     * (SFT's validation loss) as disjoint slices of the held-out generator's output.
     */
    public record Tasks(List<InstructionExample> train, List<InstructionExample> validation, List<InstructionExample> scored) {

        public static Tasks of(BuiltinData data, int trainExamples, int validationExamples, int scoreExamples) {
            List<InstructionExample> heldOut = data.heldOutExamples(scoreExamples + validationExamples);
            return new Tasks(data.trainingExamples(trainExamples), List.copyOf(heldOut.subList(scoreExamples, heldOut.size())),
                    List.copyOf(heldOut.subList(0, scoreExamples)));
        }
    }

    /** Both models, their training runs, and their exact-match reports on the same held-out tasks. */
    public record Result(Path pretrainedModel, Path model, TrainingResult pretraining, TrainingResult finetuning,
                         ExactMatch.Report pretrainedScore, ExactMatch.Report score, double seconds) {}

    private Bootstrap() {}

    public static Result run(Path outDir, Settings settings, TrainingListener listener) throws IOException {
        long start = System.nanoTime();
        BuiltinData data = new BuiltinData(settings.dataSeed());
        listener.phaseStarted(Phase.PRETRAIN, "generating the built-in corpus (" + settings.corpusChars() + " characters, seed "
                + settings.dataSeed() + ")");
        List<String> corpus = data.corpus(settings.corpusChars());
        Path pretrained = outDir.resolve(PRETRAINED_DIR);
        TrainingResult pretraining = Pretraining.run(pretrained, corpus, settings.pretraining(), true, listener);

        Tasks tasks = Tasks.of(data, settings.trainExamples(), settings.validationExamples(), settings.scoreExamples());
        Path sft = outDir.resolve(SFT_DIR);
        TrainingResult finetuning = Finetuning.run(pretrained, sft, tasks.train(), tasks.validation(), settings.finetuning(), true, listener);

        List<InstructionExample> scored = tasks.scored();
        ExactMatch.Report pretrainedScore = score(pretrained, scored, listener);
        ExactMatch.Report score = score(sft, scored, listener);
        Result result = new Result(pretrained, sft, pretraining, finetuning, pretrainedScore, score, (System.nanoTime() - start) / 1e9);
        writeSummary(outDir, result);
        return result;
    }

    /** Greedy exact-match accuracy of the model directory's model on {@code examples}. */
    public static ExactMatch.Report score(Path modelDir, List<InstructionExample> examples, TrainingListener listener) throws IOException {
        listener.phaseStarted(Phase.SCORE, "answering " + examples.size() + " held-out tasks with " + modelDir);
        Tokenizer tokenizer = TokenizerFiles.load(modelDir.toString()); // tokenizer.json, or a GPT-2 directory's vocab.json + merges.txt
        ExactMatch.Report report = ExactMatch.score(GptCheckpoint.load(modelDir), tokenizer, examples, ExactMatch.DEFAULT_MAX_NEW_TOKENS, listener);
        listener.phaseFinished(Phase.SCORE, modelDir + ": exact match " + report.score());
        return report;
    }

    private static void writeSummary(Path outDir, Result result) throws IOException {
        ObjectNode json = TrainingCheckpoint.JSON.createObjectNode();
        json.put("model", result.model().toString());
        json.put("pretrainedModel", result.pretrainedModel().toString());
        json.put("seconds", Math.round(result.seconds()));
        put(json.putObject("pretraining"), result.pretraining(), result.pretrainedScore());
        put(json.putObject("sft"), result.finetuning(), result.score());
        TrainingCheckpoint.writeJson(outDir.resolve(SUMMARY_FILE), json);
    }

    private static void put(ObjectNode json, TrainingResult training, ExactMatch.Report report) {
        json.put("steps", training.steps());
        json.put("trainLoss", training.trainLoss());
        json.put("validationLoss", training.validationLoss());
        json.put("trainingSeconds", Math.round(training.seconds()));
        json.put("exactMatch", report.score().accuracy());
        json.put("exactMatchText", String.format(Locale.ROOT, "%s", report.score()));
    }
}
