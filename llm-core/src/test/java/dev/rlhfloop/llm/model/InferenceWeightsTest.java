package dev.rlhfloop.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.data.Batch;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.sample.Generator;
import dev.rlhfloop.llm.sample.Sampler;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tensor.WeightFormat;
import dev.rlhfloop.llm.train.Trainer;
import dev.rlhfloop.llm.train.TrainerSettings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A model trained here on the built-in corpus (bytes as tokens), served from each packed weight
 * format: held-out perplexity and greedy choices against the fp32 model.
 */
class InferenceWeightsTest {

    private static final int CONTEXT = 64;
    private static final int WINDOWS = 24;
    private static final int PROMPTS = 16;
    private static final int NEW_TOKENS = 40;

    private static Gpt trained;
    private static int[] heldOut;

    @BeforeAll
    static void pretrain() {
        StringBuilder text = new StringBuilder();
        for (String document : new BuiltinData(7).corpus(120_000)) {
            text.append(document).append('\n');
        }
        int[] tokens = bytes(text.toString());
        int split = tokens.length * 9 / 10;
        heldOut = Arrays.copyOfRange(tokens, split, tokens.length);
        trained = Gpt.create(GptConfig.of(256, CONTEXT, 64, 4, 2), 11);
        Trainer trainer = new Trainer(trained, TrainerSettings.constant(3e-3f));
        Random random = new Random(5);
        int batch = 8;
        for (int step = 0; step < 150; step++) {
            int[] inputs = new int[batch * CONTEXT];
            int[] targets = new int[batch * CONTEXT];
            for (int b = 0; b < batch; b++) {
                int start = random.nextInt(split - CONTEXT - 1);
                System.arraycopy(tokens, start, inputs, b * CONTEXT, CONTEXT);
                System.arraycopy(tokens, start + 1, targets, b * CONTEXT, CONTEXT);
            }
            trainer.step(new Batch(batch, CONTEXT, inputs, targets));
        }
    }

    @Test
    void packedFormatsKeepHeldOutPerplexityWithinHalfAPercentOfFp32() {
        double fp32 = perplexity(trained);
        assertTrue(fp32 < 12, "the model learnt something: held-out perplexity " + fp32 + " of 256 byte values");
        for (WeightFormat format : WeightFormat.values()) {
            double packed = perplexity(packed(format));
            double change = packed / fp32 - 1;
            assertTrue(Math.abs(change) < 0.005, format + ": perplexity " + packed + " vs fp32 " + fp32);
            if (format == WeightFormat.FP32) {
                assertEquals(fp32, packed, fp32 * 1e-5, "fp32 packed differs only in the head's summation order");
            }
        }
    }

    @Test
    void packedFormatsChooseTheFp32GreedyTokenAtLeast99PercentOfTheTime() {
        int[][] continuations = new int[PROMPTS][];
        Generator reference = new Generator(trained);
        for (int p = 0; p < PROMPTS; p++) {
            continuations[p] = reference.generate(prompt(p), SamplingSettings.greedy(NEW_TOKENS)).tokens();
        }
        for (WeightFormat format : new WeightFormat[] {WeightFormat.BF16, WeightFormat.INT8}) {
            Gpt model = packed(format);
            int same = 0;
            int total = 0;
            for (int[] sequence : continuations) {
                // Teacher-forced along the fp32 continuation: one early flip must not count for every later token.
                KvCache cache = model.newCache();
                float[] logits = model.forwardCached(cache, Arrays.copyOf(sequence, 8));
                for (int t = 8; t < sequence.length; t++) {
                    same += Sampler.argmax(logits) == sequence[t] ? 1 : 0;
                    total++;
                    logits = model.forwardCached(cache, sequence[t]);
                }
            }
            assertEquals(PROMPTS * NEW_TOKENS, total);
            assertTrue(same >= 0.99 * total, format + ": " + same + " of " + total + " greedy tokens equal");
        }
    }

    @Test
    void packingIsSharedByViewsAndFollowsCopiedWeights() {
        Gpt model = Gpt.create(GptConfig.of(256, CONTEXT, 64, 4, 2), 3);
        assertEquals(Optional.empty(), model.inferenceFormat());
        float[] before = model.forwardCached(model.newCache(), 1, 2, 3);
        model.packForInference(WeightFormat.BF16);
        Gpt view = model.sharingWeights();
        assertEquals(Optional.of(WeightFormat.BF16), view.inferenceFormat());
        assertArrayEquals(model.forwardCached(model.newCache(), 1, 2, 3), view.forwardCached(view.newCache(), 1, 2, 3), 0f);

        model.copyWeightsFrom(trained);
        float[] repacked = model.forwardCached(model.newCache(), 1, 2, 3);
        assertArrayEquals(packed(WeightFormat.BF16).forwardCached(trained.newCache(), 1, 2, 3), repacked, 0f,
                "copyWeightsFrom packs the new weights again");
        assertTrue(Math.abs(before[0] - repacked[0]) > 1e-6);
    }

    private static Gpt packed(WeightFormat format) {
        Gpt copy = trained.copy();
        copy.packForInference(format);
        return copy;
    }

    private static int[] prompt(int p) {
        int at = p * (heldOut.length - 8) / PROMPTS;
        return Arrays.copyOfRange(heldOut, at, at + 8);
    }

    /** exp of the mean next-token loss over held-out windows, fed one token at a time through the KV cache. */
    private static double perplexity(Gpt model) {
        double nll = 0;
        int count = 0;
        KvCache cache = model.newCache();
        for (int w = 0; w < WINDOWS; w++) {
            int start = w * (heldOut.length - CONTEXT) / WINDOWS;
            cache.reset();
            float[] logits = model.forwardCached(cache, heldOut[start]);
            for (int t = 1; t < CONTEXT; t++) {
                nll -= Sampler.logProbability(logits, heldOut[start + t]);
                count++;
                logits = model.forwardCached(cache, heldOut[start + t]);
            }
        }
        return Math.exp(nll / count);
    }

    private static int[] bytes(String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            tokens[i] = raw[i] & 0xFF;
        }
        return tokens;
    }
}
