package dev.rlhfloop.trainer;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.llm.io.ModelArchive;
import dev.rlhfloop.llm.train.Bootstrap;
import dev.rlhfloop.llm.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The first model of the live line: llm-core's pretrain + SFT pipeline on the built-in data, in a
 * work directory under the data dir (so a restart resumes it), its progress reported as training
 * events. The SFT model becomes version 1, the DPO reference of every line.
 */
final class Bootstrapper {
    private static final Logger LOG = Logger.getLogger(Bootstrapper.class);

    private final TrainerConfig config;
    private final TrainingStatus status;

    Bootstrapper(TrainerConfig config, TrainingStatus status) {
        this.config = config;
        this.status = status;
    }

    static Bootstrap.Settings settings(TrainerConfig.Bootstrap bootstrap) {
        return switch (bootstrap.size()) {
            case "nano" -> Bootstrap.Settings.nano(bootstrap.pretrainSteps(), bootstrap.sftSteps());
            case "tiny" -> Bootstrap.Settings.tiny();
            default -> throw new IllegalArgumentException("rlhf.trainer.bootstrap.size must be nano or tiny, was '" + bootstrap.size() + "'");
        };
    }

    /** Trains the model, copies its files into {@code modelDir}, returns its metrics (losses, exact match). */
    Map<String, Double> run(Path modelDir) throws IOException {
        Path work = config.dataDir().resolve("bootstrap");
        String line = config.line();
        LOG.infof("bootstrapping a %s model in %s", config.bootstrap().size(), work);
        Bootstrap.Result result = Bootstrap.run(work, settings(config.bootstrap()), new TrainingListener() {
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
        });
        for (String file : ModelArchive.FILES) {
            Files.copy(result.model().resolve(file), modelDir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        put(metrics, "pretrainLoss", result.pretraining().trainLoss());
        put(metrics, "pretrainValidationLoss", result.pretraining().validationLoss());
        put(metrics, "sftLoss", result.finetuning().trainLoss());
        put(metrics, "sftValidationLoss", result.finetuning().validationLoss());
        put(metrics, "exactMatch", result.score().score().accuracy());
        put(metrics, "pretrainedExactMatch", result.pretrainedScore().score().accuracy());
        put(metrics, "seconds", result.seconds());
        return metrics;
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
