package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.train.BaseModel;
import dev.rlhfloop.llm.train.Bootstrap;
import dev.rlhfloop.llm.train.BootstrapPlan;
import dev.rlhfloop.llm.train.Finetuning;
import dev.rlhfloop.llm.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The first model of the live line, in a work directory under the data dir (so a restart resumes
 * it), its progress reported as training events: either llm-core's pretrain + SFT pipeline on the
 * built-in data, sized by the cores training may use, or a base model the user has (a Hugging Face
 * GPT-2 directory), optionally fine-tuned on their instruction data. It becomes version 1, the DPO
 * reference of every line.
 */
final class Bootstrapper {
    private static final Logger LOG = Logger.getLogger(Bootstrapper.class);

    private final TrainerConfig config;
    private final TrainingStatus status;

    Bootstrapper(TrainerConfig config, TrainingStatus status) {
        this.config = config;
        this.status = status;
    }

    /**
     * The bootstrap for {@code cores} cores: with size {@code auto} the rule's preset and steps;
     * a named preset at the rule's 2-core steps; {@code tiny} for tests; set steps replace the chosen ones.
     */
    static BootstrapPlan plan(TrainerConfig.Bootstrap bootstrap, int cores) {
        BootstrapPlan plan = switch (bootstrap.size()) {
            case "auto" -> BootstrapPlan.forCores(cores);
            case "nano", "small" -> new BootstrapPlan(bootstrap.size(), BootstrapPlan.forCores(2).pretrainSteps(),
                    BootstrapPlan.forCores(2).sftSteps(), cores, "the preset rlhf.trainer.bootstrap.size names");
            case "tiny" -> new BootstrapPlan("tiny", Bootstrap.Settings.tiny().pretraining().run().steps(),
                    Bootstrap.Settings.tiny().finetuning().run().steps(), cores, "the test preset");
            default -> throw new IllegalArgumentException("rlhf.trainer.bootstrap.size must be auto, nano, small or tiny, was '"
                    + bootstrap.size() + "'");
        };
        return plan.withSteps(bootstrap.pretrainSteps().orElse(null), bootstrap.sftSteps().orElse(null));
    }

    static Bootstrap.Settings settings(BootstrapPlan plan, TrainerConfig.Bootstrap bootstrap) {
        Bootstrap.Settings settings = plan.preset().equals("tiny") ? Bootstrap.Settings.tiny() : plan.settings();
        if (bootstrap.sftLearningRate().isEmpty()) {
            return settings;
        }
        float rate = bootstrap.sftLearningRate().get();
        return settings.withFinetuning(settings.finetuning().withRun(settings.finetuning().run().with(r -> r.learningRate = rate)));
    }

    /** What the first model will be, for the log and the dashboard. */
    String describe() {
        if (config.baseModel().isPresent()) {
            return "the base model " + config.baseModel().get()
                    + config.sftData().map(data -> ", fine-tuned on " + data + " (the book's 85% split; scored on its 10% test split)").orElse("");
        }
        return plan(config.bootstrap(), BootstrapPlan.trainingCores()).describe();
    }

    /** Trains or prepares the model, copies its files into {@code modelDir}, returns its metrics. */
    Map<String, Double> run(Path modelDir) throws IOException {
        return config.baseModel().isPresent() ? fromBaseModel(modelDir) : bootstrap(modelDir);
    }

    private Map<String, Double> bootstrap(Path modelDir) throws IOException {
        Path work = config.dataDir().resolve("bootstrap");
        BootstrapPlan plan = plan(config.bootstrap(), BootstrapPlan.trainingCores());
        LOG.infof("bootstrapping %s in %s", plan.describe(), work);
        Bootstrap.Result result = Bootstrap.run(work, settings(plan, config.bootstrap()), listener());
        copy(result.model(), modelDir);
        Map<String, Double> metrics = new LinkedHashMap<>();
        put(metrics, "pretrainLoss", result.pretraining().trainLoss());
        put(metrics, "pretrainValidationLoss", result.pretraining().validationLoss());
        put(metrics, "sftLoss", result.finetuning().trainLoss());
        put(metrics, "sftValidationLoss", result.finetuning().validationLoss());
        put(metrics, "exactMatch", result.score().score().accuracy());
        put(metrics, "pretrainedExactMatch", result.pretrainedScore().score().accuracy());
        put(metrics, "cores", plan.cores());
        put(metrics, "seconds", result.seconds());
        return metrics;
    }

    private Map<String, Double> fromBaseModel(Path modelDir) throws IOException {
        Path work = config.dataDir().resolve("base-model");
        LOG.infof("starting the line from %s in %s", describe(), work);
        TrainerConfig.BaseSft sft = config.baseSft();
        Finetuning.Settings settings = BaseModel.bookFinetuning().withMaxLength(sft.maxLength()).withRun(BaseModel.bookFinetuning().run()
                .withEpochs(sft.epochs()).with(s -> {
                    s.learningRate = sft.learningRate();
                    s.batchSize = sft.batchSize();
                }));
        BaseModel.Result result = BaseModel.run(config.baseModel().get(), work, config.sftData().orElse(null), settings, listener());
        copy(result.model(), modelDir);
        Map<String, Double> metrics = new LinkedHashMap<>();
        put(metrics, "parameters", result.config().parameterCount());
        if (result.finetuning() != null) {
            put(metrics, "sftLoss", result.finetuning().trainLoss());
            put(metrics, "sftValidationLoss", result.finetuning().validationLoss());
        }
        if (result.testScore() != null) {
            put(metrics, "testExactMatch", result.testScore().score().accuracy());
            put(metrics, "testTokenF1", result.testScore().score().tokenF1());
            LOG.infof("the fine-tuned base model on the test split: exact match %s, token F1 %.3f", result.testScore().score(),
                    result.testScore().score().tokenF1());
        }
        put(metrics, "seconds", result.seconds());
        return metrics;
    }

    private TrainingListener listener() {
        String line = config.line();
        return new TrainingListener() {
            @Override
            public void phaseStarted(Phase phase, String description) {
                LOG.infof("bootstrap %s: %s", phase, description);
                status.progress(line, true, stage(phase), 0, 0, null, Map.of(), description);
            }

            @Override
            public void stepped(Progress p) {
                status.progress(line, true, stage(p.phase()), p.step(), p.totalSteps(), (double) p.loss(), Map.of(), null);
            }

            @Override
            public void phaseFinished(Phase phase, String summary) {
                LOG.infof("bootstrap %s done: %s", phase, summary);
            }
        };
    }

    private static void copy(Path model, Path modelDir) throws IOException {
        for (String file : ModelArchive.FILES) {
            Files.copy(model.resolve(file), modelDir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Algorithm stage(TrainingListener.Phase phase) {
        return switch (phase) {
            case TOKENIZER -> Algorithm.TOKENIZER;
            case PRETRAIN -> Algorithm.PRETRAIN;
            case SFT, SCORE -> Algorithm.SFT;
            case CLASSIFY -> throw new IllegalStateException("the bootstrap pipeline does not fine-tune classifiers");
        };
    }

    private static void put(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) metrics.put(name, value);
    }
}
