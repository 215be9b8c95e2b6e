package dev.rlhfloop.bench;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.Initialization;
import dev.rlhfloop.llm.train.AdamWSettings;
import dev.rlhfloop.llm.train.LearningRateSchedule;
import dev.rlhfloop.llm.train.Trainer;
import dev.rlhfloop.llm.train.TrainerSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The book's chapter-5 run: GPT-2 124M (context 256, dropout 0.1, no qkv bias) trained on
 * the-verdict.txt for 10 epochs, batch 2, AdamW lr 4e-4, weight decay 0.1, 90/10 split, windows
 * of 256 tokens with stride 256. The book reports train loss 9.8 → 0.57 and val ≈ 6.4.
 *
 * <pre>./bench BookChapter5 --data PATH/the-verdict.txt [--epochs 10] [--max-steps N] [--eval-every 5]
 *                    [--init pytorch|gpt2] [--head untied|tied] [--decay all|matrices]</pre>
 *
 * The defaults are the book's model: PyTorch's default initialisation, its own output head
 * ({@code out_head}) and weight decay on every parameter ({@code AdamW(model.parameters())}); the
 * switches give GPT-2's choices instead. Losses are measured as the book does: in evaluation mode
 * (no dropout), the train loss over the first 5 train batches every {@code --eval-every} steps
 * (the book's {@code eval_iter=5}, step 0 being the first update) and over all train batches at
 * each epoch's end.
 *
 * Tokenized with GPT-2's BPE via jtokkit here; the project's own tokenizer gives the same ids.
 */
public final class BookChapter5 {

    static final String MISSING_DATA = "the book's the-verdict.txt is not part of the project: pass --data PATH/the-verdict.txt";

    public static void main(String[] args) throws Exception {
        Path data = null;
        int epochs = 10;
        int maxSteps = Integer.MAX_VALUE;
        int evalEvery = 0;
        Initialization init = Initialization.PYTORCH;
        boolean tiedHead = false;
        boolean decayAll = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--data" -> data = Path.of(args[++i]);
                case "--epochs" -> epochs = Integer.parseInt(args[++i]);
                case "--max-steps" -> maxSteps = Integer.parseInt(args[++i]);
                case "--eval-every" -> evalEvery = Integer.parseInt(args[++i]);
                case "--init" -> init = Initialization.valueOf(args[++i].toUpperCase(java.util.Locale.ROOT));
                case "--head" -> tiedHead = switch (args[++i]) {
                    case "tied" -> true;
                    case "untied" -> false;
                    default -> throw new IllegalArgumentException("--head is tied or untied, not " + args[i]);
                };
                case "--decay" -> decayAll = switch (args[++i]) {
                    case "all" -> true;
                    case "matrices" -> false;
                    default -> throw new IllegalArgumentException("--decay is all or matrices, not " + args[i]);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (data == null) {
            throw new IllegalArgumentException(MISSING_DATA);
        }
        String text = Files.readString(data);
        int split = (int) (0.9 * text.length());
        Encoding gpt2 = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
        int[] train = gpt2.encode(text.substring(0, split)).toArray();
        int[] val = gpt2.encode(text.substring(split)).toArray();
        int context = 256;
        int batchSize = 2;
        List<Batch> trainBatches = windows(train, context, batchSize);
        List<Batch> valBatches = windows(val, context, batchSize);

        GptConfig config = GptConfig.gpt2().withContextLength(context).withDropout(0.1f).withQkvBias(false).withTiedHead(tiedHead);
        AdamWSettings adamW = decayAll ? AdamWSettings.torch(0.1f).withDecayOnAllParameters() : AdamWSettings.torch(0.1f);
        // constant rate, no warmup, no clipping: the book's train_model_simple
        Trainer trainer = new Trainer(Gpt.create(config, 123, init),
                new TrainerSettings(LearningRateSchedule.constant(4e-4f), adamW, 0));
        System.out.printf("model: %,d parameters, %s init, %s head, decay on %s; threads %d%n", config.parameterCount(),
                init.name().toLowerCase(java.util.Locale.ROOT), tiedHead ? "tied" : "untied", decayAll ? "all parameters" : "matrices",
                dev.rlhfloop.llm.tensor.Parallel.threads());
        System.out.printf("tokens: train %d, val %d; batches per epoch: %d train, %d val%n",
                train.length, val.length, trainBatches.size(), valBatches.size());
        List<Batch> firstTrainBatches = trainBatches.subList(0, Math.min(5, trainBatches.size()));
        System.out.printf("initial: train loss %.3f, val loss %.3f%n", trainer.evaluate(trainBatches), trainer.evaluate(valBatches));
        long start = System.nanoTime();
        Random shuffle = new Random(123);
        int step = 0;
        float lastTrain = Float.NaN;
        outer:
        for (int epoch = 1; epoch <= epochs; epoch++) {
            List<Batch> order = new ArrayList<>(trainBatches);
            Collections.shuffle(order, shuffle);
            for (Batch batch : order) {
                Trainer.StepResult r = trainer.step(batch);
                step++;
                if (evalEvery > 0 && (step - 1) % evalEvery == 0) {
                    System.out.printf("epoch %d (step %03d): train loss %.3f, val loss %.3f, %.0f s%n", epoch, step - 1,
                            trainer.evaluate(firstTrainBatches), trainer.evaluate(valBatches), (System.nanoTime() - start) / 1e9);
                } else if (step % 5 == 0 || step >= maxSteps) {
                    System.out.printf("epoch %d step %d: batch loss %.3f, %.0f tokens/s%n", epoch, step, r.loss(), r.tokensPerSecond());
                }
                if (step >= maxSteps) {
                    break outer;
                }
            }
            lastTrain = trainer.evaluate(trainBatches);
            System.out.printf("epoch %d: train loss %.3f, val loss %.3f, %.0f s%n", epoch, lastTrain,
                    trainer.evaluate(valBatches), (System.nanoTime() - start) / 1e9);
        }
        System.out.printf("{\"steps\": %d, \"train_loss\": %.3f, \"val_loss\": %.3f, \"seconds\": %.0f}%n", step,
                trainer.evaluate(trainBatches), trainer.evaluate(valBatches), (System.nanoTime() - start) / 1e9);
    }

    /** Non-overlapping windows (stride = context), inputs and next-token targets, in batches; a short last batch is dropped. */
    static List<Batch> windows(int[] ids, int context, int batchSize) {
        List<int[]> starts = new ArrayList<>();
        for (int at = 0; at + context < ids.length; at += context) {
            starts.add(new int[] {at});
        }
        List<Batch> batches = new ArrayList<>();
        for (int first = 0; first + batchSize <= starts.size(); first += batchSize) {
            int[] inputs = new int[batchSize * context];
            int[] targets = new int[batchSize * context];
            for (int r = 0; r < batchSize; r++) {
                int at = starts.get(first + r)[0];
                System.arraycopy(ids, at, inputs, r * context, context);
                System.arraycopy(ids, at + 1, targets, r * context, context);
            }
            batches.add(new Batch(batchSize, context, inputs, targets));
        }
        return batches;
    }
}
