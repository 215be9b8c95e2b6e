package dev.rlhfloop.llm.classify;

import dev.rlhfloop.llm.data.ClassificationData;
import dev.rlhfloop.llm.data.LabeledText;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptCheckpoint;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import dev.rlhfloop.llm.tokenizer.Tokenizer;
import dev.rlhfloop.llm.tokenizer.TokenizerFiles;
import dev.rlhfloop.llm.train.AdamW;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.TrainingListener;
import dev.rlhfloop.llm.train.TrainingListener.Phase;
import dev.rlhfloop.llm.train.TrainingListener.Progress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Classification fine-tuning (the book's chapter 6): a pretrained GPT gets a class head over its
 * last token's hidden state and is trained on labelled texts with cross-entropy, AdamW at a
 * constant rate, epoch by epoch, reporting loss and accuracy on the training and validation data
 * after each. What trains is a choice: the head only, the book's last block + final LayerNorm +
 * head, or every weight.
 */
public final class ClassifierTraining {

    /** Which weights fine-tuning changes (the head always). */
    public enum Trainable {
        HEAD, LAST_BLOCK, ALL;

        /** The lowest block whose weights train: backward stops there. */
        int lowestLayer(int layers) {
            return switch (this) {
                case HEAD -> layers;
                case LAST_BLOCK -> layers - 1;
                case ALL -> 0;
            };
        }
    }

    /**
     * {@code maxLength} cuts texts (and the model's context bounds it); {@code seed} draws the head
     * and the order of the examples in each epoch.
     */
    public record Settings(int epochs, int batchSize, float learningRate, float weightDecay, double maxGradNorm, int maxLength,
                           Trainable trainable, LoraSettings lora, boolean merge, long seed) {

        public Settings {
            if (epochs <= 0 || batchSize <= 0 || maxLength <= 0) {
                throw new IllegalArgumentException("epochs, batch size and max length must be positive");
            }
            if (!(learningRate > 0) || !(weightDecay >= 0) || !(maxGradNorm >= 0)) {
                throw new IllegalArgumentException("need learning rate > 0, weight decay >= 0, gradient-norm ceiling >= 0");
            }
            if (merge && lora == null) {
                throw new IllegalArgumentException("merging needs LoRA adapters");
            }
        }

        /**
         * The book's recipe (5 epochs of 8, AdamW with weight decay 0.1, the last block, final norm
         * and head train) at the rate measured on the built-in set with {@code nano} (docs/training.md).
         */
        public static Settings defaults() {
            return new Settings(5, 8, 1e-3f, 0.1f, 1.0, 256, Trainable.LAST_BLOCK, null, false, 123);
        }

        public Settings withEpochs(int n) {
            return new Settings(n, batchSize, learningRate, weightDecay, maxGradNorm, maxLength, trainable, lora, merge, seed);
        }

        public Settings withBatchSize(int n) {
            return new Settings(epochs, n, learningRate, weightDecay, maxGradNorm, maxLength, trainable, lora, merge, seed);
        }

        public Settings withLearningRate(float rate) {
            return new Settings(epochs, batchSize, rate, weightDecay, maxGradNorm, maxLength, trainable, lora, merge, seed);
        }

        public Settings withWeightDecay(float decay) {
            return new Settings(epochs, batchSize, learningRate, decay, maxGradNorm, maxLength, trainable, lora, merge, seed);
        }

        public Settings withMaxLength(int n) {
            return new Settings(epochs, batchSize, learningRate, weightDecay, maxGradNorm, n, trainable, lora, merge, seed);
        }

        public Settings withTrainable(Trainable t) {
            return new Settings(epochs, batchSize, learningRate, weightDecay, maxGradNorm, maxLength, t, lora, merge, seed);
        }

        /** Trains LoRA adapters (and the head) instead of {@link #trainable} weights; {@code merge} folds them into the saved model. */
        public Settings withLora(LoraSettings settings, boolean mergeAtEnd) {
            return new Settings(epochs, batchSize, learningRate, weightDecay, maxGradNorm, maxLength, trainable, settings, mergeAtEnd, seed);
        }

        public Settings withSeed(long s) {
            return new Settings(epochs, batchSize, learningRate, weightDecay, maxGradNorm, maxLength, trainable, lora, merge, s);
        }
    }

    /** Mean loss and accuracy over a data set. */
    public record Metrics(float loss, double accuracy, int count) {}

    /** After epoch {@code epoch} (from 1): training metrics averaged over the epoch's steps, validation measured after it (null without validation data). */
    public record Epoch(int epoch, long step, Metrics train, Metrics validation) {}

    public record Result(Path directory, List<String> labels, List<Epoch> epochs, long trainedParameters, double seconds) {}

    /** Accuracy, count and confusion counts ({@code confusion.get(actual).get(predicted)}) of a classifier on labelled texts. */
    public record Evaluation(double accuracy, int count, float loss, Map<String, Map<String, Integer>> confusion) {}

    private ClassifierTraining() {}

    /**
     * Fine-tunes the model in {@code baseModel} (which needs its {@code tokenizer.json}) into a
     * classifier in {@code directory}; the labels are those of {@code train}, sorted.
     */
    public static Result run(Path baseModel, Path directory, List<LabeledText> train, List<LabeledText> validation, Settings settings,
                             TrainingListener listener, Consumer<Epoch> epochs) throws IOException {
        if (Files.exists(directory) && Files.isSameFile(baseModel, directory)) {
            throw new IllegalArgumentException("the classifier needs its own directory, not the base model's (" + baseModel + ")");
        }
        List<String> labels = ClassificationData.labels(train);
        if (labels.size() < 2) {
            throw new IllegalArgumentException("the training data has " + labels.size() + " label(s): a classifier needs at least two");
        }
        for (LabeledText example : validation) {
            if (!labels.contains(example.label())) {
                throw new IllegalArgumentException("validation label '" + example.label() + "' does not occur in the training data " + labels);
            }
        }
        Path baseTokenizer = baseModel.resolve("tokenizer.json");
        if (!Files.isRegularFile(baseTokenizer)) {
            throw new IllegalArgumentException(baseModel + " has no tokenizer.json: classification needs the model's tokenizer");
        }
        Tokenizer tokenizer = TokenizerFiles.readHuggingFace(baseTokenizer);
        Gpt backbone = GptCheckpoint.load(baseModel);
        Classifier classifier = Classifier.create(backbone, labels, settings.seed());
        int lowestLayer;
        List<Parameter> trained;
        if (settings.lora() != null) {
            backbone.attachLora(settings.lora(), settings.seed() + 1);
            lowestLayer = backbone.lora().lowestLayer();
            trained = new ArrayList<>(backbone.lora().parameters());
            trained.add(classifier.head());
        } else {
            lowestLayer = settings.trainable().lowestLayer(backbone.config().layers());
            trained = trainedParameters(classifier, lowestLayer);
        }
        String what = settings.lora() != null ? "LoRA rank " + settings.lora().rank() + " + head"
                : settings.trainable().name().toLowerCase(Locale.ROOT);
        AdamW optimizer = new AdamW(trained, AdamWSettings.torch(settings.weightDecay()));

        Encoded trainSet = encode(train, labels, tokenizer, settings.maxLength(), backbone.config().contextLength());
        Encoded validationSet = encode(validation, labels, tokenizer, settings.maxLength(), backbone.config().contextLength());
        int length = Math.max(trainSet.longest(), validationSet.longest());
        int batchesPerEpoch = (train.size() + settings.batchSize() - 1) / settings.batchSize();
        long total = (long) batchesPerEpoch * settings.epochs();
        long trainedCount = trained.stream().mapToLong(Parameter::size).sum();
        listener.phaseStarted(Phase.CLASSIFY, String.format(Locale.ROOT,
                "%d labels %s, %,d training / %,d validation texts padded to %d tokens; training %s (%,d parameters), %d epochs of %d batches",
                labels.size(), labels, train.size(), validation.size(), length, what,
                trainedCount, settings.epochs(), batchesPerEpoch));

        Random order = new Random(settings.seed());
        List<Epoch> history = new ArrayList<>();
        long began = System.nanoTime();
        long step = 0;
        long tokens = 0;
        int padId = tokenizer.endOfTextId();
        backbone.setTraining(true);
        for (int epoch = 1; epoch <= settings.epochs(); epoch++) {
            List<Integer> indices = new ArrayList<>();
            for (int i = 0; i < train.size(); i++) {
                indices.add(i);
            }
            Collections.shuffle(indices, order);
            double lossSum = 0;
            int correct = 0;
            int count = 0;
            for (int from = 0; from < indices.size(); from += settings.batchSize()) {
                ClassBatch batch = trainSet.batch(indices.subList(from, Math.min(indices.size(), from + settings.batchSize())),
                        settings.batchSize(), length, padId);
                classifier.zeroGrad();
                Classifier.BatchResult result = classifier.forwardBackward(batch, lowestLayer);
                optimizer.clipAndUpdate(settings.learningRate(), settings.maxGradNorm());
                step++;
                lossSum += (double) result.loss() * result.count();
                correct += result.correct();
                count += result.count();
                tokens += (long) batch.batchSize() * length;
                long elapsed = System.nanoTime() - began;
                listener.stepped(new Progress(Phase.CLASSIFY, step, total, epoch, result.loss(), Float.NaN, settings.learningRate(),
                        tokens * 1e9 / Math.max(1, elapsed), Duration.ofNanos(elapsed),
                        Duration.ofNanos(elapsed / step * (total - step))));
            }
            Metrics validationMetrics = validation.isEmpty() ? null : measure(classifier, validationSet, settings.batchSize(), length, padId);
            Epoch done = new Epoch(epoch, step, new Metrics((float) (lossSum / count), (double) correct / count, count), validationMetrics);
            history.add(done);
            epochs.accept(done);
        }
        backbone.setTraining(false);
        Files.createDirectories(directory);
        if (settings.merge()) {
            backbone.mergeLora();
        }
        classifier.save(directory);
        Path tokenizerCopy = directory.resolve("tokenizer.json");
        Files.copy(baseTokenizer, tokenizerCopy, StandardCopyOption.REPLACE_EXISTING);
        double seconds = (System.nanoTime() - began) / 1e9;
        listener.phaseFinished(Phase.CLASSIFY, String.format(Locale.ROOT, "%d steps in %.0f s, saved in %s", step, seconds, directory));
        return new Result(directory, labels, history, trainedCount, seconds);
    }

    /** The head, and the backbone's weights of blocks {@code lowestLayer} and up with the final LayerNorm (none when only the head trains). */
    static List<Parameter> trainedParameters(Classifier classifier, int lowestLayer) {
        Gpt backbone = classifier.backbone();
        List<Parameter> trained = new ArrayList<>();
        int layers = backbone.config().layers();
        if (lowestLayer == 0) {
            trained.addAll(backbone.parameters());
        } else if (lowestLayer < layers) {
            for (int l = lowestLayer; l < layers; l++) {
                trained.addAll(backbone.weights().blocks.get(l).parameters());
            }
            trained.add(backbone.weights().finalNormWeight);
            trained.add(backbone.weights().finalNormBias);
        }
        trained.add(classifier.head());
        return trained;
    }

    /** Accuracy and confusion of {@code classifier} on {@code examples} (labels it does not know count as wrong). */
    public static Evaluation evaluate(Classifier classifier, Tokenizer tokenizer, List<LabeledText> examples, int batchSize) {
        List<String> labels = classifier.labels();
        int context = classifier.backbone().config().contextLength();
        List<int[]> sequences = new ArrayList<>();
        int longest = 1;
        for (LabeledText example : examples) {
            int[] tokens = tokenizer.encode(example.text());
            sequences.add(tokens);
            longest = Math.max(longest, Math.min(context, tokens.length));
        }
        Map<String, Map<String, Integer>> confusion = new LinkedHashMap<>();
        int correct = 0;
        double lossSum = 0;
        int scored = 0;
        for (int from = 0; from < examples.size(); from += batchSize) {
            int to = Math.min(examples.size(), from + batchSize);
            int[] rowLabels = new int[to - from];
            for (int i = from; i < to; i++) {
                rowLabels[i - from] = Math.max(ClassBatch.NO_LABEL, labels.indexOf(examples.get(i).label()));
            }
            ClassBatch batch = ClassBatch.of(sequences.subList(from, to), rowLabels, batchSize, longest, tokenizer.endOfTextId());
            Classifier.BatchResult result = classifier.evaluate(batch);
            float[] logits = classifier.lastLogits();
            lossSum += (double) result.loss() * result.count();
            scored += result.count();
            for (int i = from; i < to; i++) {
                String predicted = labels.get(Classifier.argmax(logits, (i - from) * labels.size(), labels.size()));
                String actual = examples.get(i).label();
                confusion.computeIfAbsent(actual, k -> new LinkedHashMap<>()).merge(predicted, 1, Integer::sum);
                if (predicted.equals(actual)) {
                    correct++;
                }
            }
        }
        return new Evaluation(examples.isEmpty() ? Double.NaN : (double) correct / examples.size(), examples.size(),
                scored == 0 ? Float.NaN : (float) (lossSum / scored), confusion);
    }

    private static Metrics measure(Classifier classifier, Encoded set, int batchSize, int length, int padId) {
        double lossSum = 0;
        int correct = 0;
        int count = 0;
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < set.sequences().size(); i++) {
            all.add(i);
        }
        for (int from = 0; from < all.size(); from += batchSize) {
            Classifier.BatchResult result = classifier.evaluate(set.batch(all.subList(from, Math.min(all.size(), from + batchSize)),
                    batchSize, length, padId));
            lossSum += (double) result.loss() * result.count();
            correct += result.correct();
            count += result.count();
        }
        return new Metrics((float) (lossSum / count), (double) correct / count, count);
    }

    /** Texts as token ids (cut to the length limit) with their class indices. */
    private record Encoded(List<int[]> sequences, int[] labels, int longest) {

        ClassBatch batch(List<Integer> rows, int batchSize, int length, int padId) {
            List<int[]> chosen = new ArrayList<>();
            int[] chosenLabels = new int[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                chosen.add(sequences.get(rows.get(i)));
                chosenLabels[i] = labels[rows.get(i)];
            }
            return ClassBatch.of(chosen, chosenLabels, batchSize, length, padId);
        }
    }

    private static Encoded encode(List<LabeledText> examples, List<String> labels, Tokenizer tokenizer, int maxLength, int context) {
        int limit = Math.min(maxLength, context);
        List<int[]> sequences = new ArrayList<>();
        int[] classes = new int[examples.size()];
        int longest = 1;
        for (int i = 0; i < examples.size(); i++) {
            int[] tokens = tokenizer.encode(examples.get(i).text());
            int[] cut = tokens.length > limit ? Arrays.copyOf(tokens, limit) : tokens;
            sequences.add(cut);
            classes[i] = labels.indexOf(examples.get(i).label());
            longest = Math.max(longest, cut.length);
        }
        return new Encoded(sequences, classes, longest);
    }
}
