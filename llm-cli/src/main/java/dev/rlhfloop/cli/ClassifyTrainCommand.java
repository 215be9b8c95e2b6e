package dev.rlhfloop.cli;

import dev.rlhfloop.llm.classify.Classifier;
import dev.rlhfloop.llm.classify.ClassifierTraining;
import dev.rlhfloop.llm.classify.ClassifierTraining.Metrics;
import dev.rlhfloop.llm.classify.ClassifierTraining.Trainable;
import dev.rlhfloop.llm.data.ClassificationData;
import dev.rlhfloop.llm.data.LabeledText;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code llm classify-train --model BASE_DIR --out DIR [--data FILE [--val FILE] [--test FILE] [--balance] [--split]]}:
 * classification fine-tuning (the book's chapter 6). Without {@code --data} it trains on the
 * built-in spam/ham messages, balanced and split 70/10/20 like the book's SMS data.
 */
@Command(name = "classify-train", mixinStandardHelpOptions = true,
        description = "Fine-tune a pretrained model into a text classifier (a class head over the last token), with a progress bar "
                + "and loss and accuracy per epoch; the model directory then answers `llm classify`.")
public final class ClassifyTrainCommand extends ModelCommand {

    @Mixin
    ModelOptions model;

    @Option(names = "--data", paramLabel = "FILE", description = "Training data: TSV label<TAB>text lines (the UCI SMS Spam Collection) "
            + "or CSV with a header naming 'label' and 'text'. Default: the built-in messages, balanced and split 70/10/20.")
    Path data;

    @Option(names = "--val", paramLabel = "FILE", description = "Validation data, same formats (measured after every epoch).")
    Path validationFile;

    @Option(names = "--test", paramLabel = "FILE", description = "Test data, same formats (measured once at the end).")
    Path testFile;

    @Option(names = "--balance", description = "Undersample every label to the rarest one's count, as the book does.")
    boolean balance;

    @Option(names = "--split", description = "Split --data after a seeded shuffle into 70%% train, 10%% validation, 20%% test, as the book does.")
    boolean split;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory of the classifier.")
    Path outDir;

    @Mixin
    DataSeedOption dataSeed;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data (default 5).")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Texts per step (default 8).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "RATE", description = "AdamW learning rate, constant (default 1e-3).")
    Float learningRate;

    @Option(names = "--weight-decay", paramLabel = "W", description = "AdamW weight decay (default 0.1).")
    Float weightDecay;

    @Option(names = "--max-length", paramLabel = "N", description = "Cut texts to N tokens (and the model's context); default 256.")
    Integer maxLength;

    @Option(names = "--train", paramLabel = "WHAT", description = "What trains besides the head: last-block (the book: last block and "
            + "final LayerNorm; the default), all, or head.")
    String trainable;

    @Mixin
    LoraOptions lora;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the head, the data order, the balancing and the split (default 123).")
    Long seed;

    @Override
    void run(PrintWriter out) throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        ClassifierTraining.Settings settings = settings();
        List<LabeledText> train;
        List<LabeledText> validation = validationFile == null ? List.of() : ClassificationData.read(validationFile);
        List<LabeledText> test = testFile == null ? List.of() : ClassificationData.read(testFile);
        if (data == null) {
            if (validationFile != null || testFile != null || balance || split) {
                throw new IllegalArgumentException("--val, --test, --balance and --split go with --data; the built-in messages are always "
                        + "balanced and split 70/10/20");
            }
            List<LabeledText> all = dataSeed.builtinData().classificationMessages();
            ClassificationData.Splits parts = ClassificationData.split(ClassificationData.balance(all, settings.seed()), settings.seed());
            train = parts.train();
            validation = parts.validation();
            test = parts.test();
            err.printf(Locale.ROOT, "data: built-in messages (seed %d), %s, balanced to %d and split %d / %d / %d%n",
                    dataSeed.seed, ClassificationData.counts(all), train.size() + validation.size() + test.size(),
                    train.size(), validation.size(), test.size());
        } else {
            List<LabeledText> all = ClassificationData.read(data);
            String counts = ClassificationData.counts(all).toString();
            if (balance) {
                all = ClassificationData.balance(all, settings.seed());
            }
            if (split) {
                if (validationFile != null || testFile != null) {
                    throw new IllegalArgumentException("--split makes the validation and test parts from --data: drop --val and --test");
                }
                ClassificationData.Splits parts = ClassificationData.split(all, settings.seed());
                train = parts.train();
                validation = parts.validation();
                test = parts.test();
            } else {
                train = all;
            }
            err.printf(Locale.ROOT, "data: %s %s%s, %d train / %d validation / %d test texts%n", data, counts,
                    balance ? " balanced to " + all.size() : "", train.size(), validation.size(), test.size());
        }
        TrainingProgress progress = TrainingProgress.on(err);
        ClassifierTraining.Result result = ClassifierTraining.run(model.directory, outDir, train, validation, settings, progress,
                epoch -> err.println(epochLine(epoch)));
        out.printf(Locale.ROOT, "classifier %s: labels %s, %,d trained parameters, %.0f s of training%n", result.directory(),
                result.labels(), result.trainedParameters(), result.seconds());
        for (ClassifierTraining.Epoch epoch : result.epochs()) {
            out.println(epochLine(epoch));
        }
        if (!test.isEmpty()) {
            Classifier classifier = Classifier.load(outDir);
            ClassifierTraining.Evaluation evaluation = ClassifierTraining.evaluate(classifier,
                    TokenizerFiles.readHuggingFace(outDir.resolve("tokenizer.json")), test, settings.batchSize());
            out.printf(Locale.ROOT, "test: accuracy %.2f%% of %d, loss %.3f, confusion (actual -> predicted) %s%n",
                    100 * evaluation.accuracy(), evaluation.count(), evaluation.loss(), evaluation.confusion());
        }
    }

    private ClassifierTraining.Settings settings() {
        ClassifierTraining.Settings s = ClassifierTraining.Settings.defaults();
        if (epochs != null) {
            s = s.withEpochs(epochs);
        }
        if (batch != null) {
            s = s.withBatchSize(batch);
        }
        if (learningRate != null) {
            s = s.withLearningRate(learningRate);
        }
        if (weightDecay != null) {
            s = s.withWeightDecay(weightDecay);
        }
        if (maxLength != null) {
            s = s.withMaxLength(maxLength);
        }
        if (seed != null) {
            s = s.withSeed(seed);
        }
        LoraSettings loraSettings = lora.settings();
        if (loraSettings != null) {
            if (trainable != null) {
                throw new IllegalArgumentException("--train chooses weights to train without LoRA; with --lora-rank the adapters and the head train");
            }
            s = s.withLora(loraSettings, lora.merge);
        }
        if (trainable != null) {
            s = s.withTrainable(switch (trainable) {
                case "last-block" -> Trainable.LAST_BLOCK;
                case "all" -> Trainable.ALL;
                case "head" -> Trainable.HEAD;
                default -> throw new IllegalArgumentException("--train " + trainable + ": expected last-block, all or head");
            });
        }
        return s;
    }

    private static String epochLine(ClassifierTraining.Epoch epoch) {
        return String.format(Locale.ROOT, "epoch %d (step %d): train loss %.3f, accuracy %.2f%%%s", epoch.epoch(), epoch.step(),
                epoch.train().loss(), 100 * epoch.train().accuracy(), validationPart(epoch.validation()));
    }

    private static String validationPart(Metrics validation) {
        return validation == null ? "" : String.format(Locale.ROOT, "; val loss %.3f, accuracy %.2f%%", validation.loss(),
                100 * validation.accuracy());
    }
}
