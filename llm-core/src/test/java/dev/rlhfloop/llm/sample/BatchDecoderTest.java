package dev.rlhfloop.llm.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.GptConfig;
import dev.rlhfloop.llm.model.KvCache;
import dev.rlhfloop.llm.model.LoraSettings;
import dev.rlhfloop.llm.model.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch invariance: a sequence decoded in a batch — of any size, joining at any step, beside
 * prompts being fed — gets bit for bit the logits, tokens and log-probabilities it gets alone.
 */
class BatchDecoderTest {

    /** Big enough that the products and attention are split over the kernel threads; a short context so sequences wrap it. */
    private static final GptConfig CONFIG = new GptConfig(301, 24, 64, 4, 2, 0f, true, true, 1e-5f);
    private static final int SEQUENCES = 40;

    private static Gpt model(boolean lora) {
        Gpt gpt = Gpt.create(CONFIG, 5);
        Random random = new Random(7);
        if (lora) {
            gpt.attachLora(LoraSettings.of(4), 3);
        }
        for (Parameter p : lora ? gpt.trainableParameters() : gpt.parameters()) {
            float[] d = p.data();
            for (int i = 0; i < d.length; i++) {
                d[i] += (float) (random.nextGaussian() * 0.1);
            }
        }
        return gpt;
    }

    private record Run(int[] tokens, List<Double> logProbs, Generation.StopReason reason) {}

    /** Prompt i: 1 to 20 tokens; settings i: sampled, a stop token for some, up to 40 new tokens (past the context of 24). */
    private static int[] prompt(int i) {
        Random random = new Random(100 + i);
        int[] prompt = new int[1 + random.nextInt(20)];
        for (int t = 0; t < prompt.length; t++) {
            prompt[t] = random.nextInt(CONFIG.vocabSize());
        }
        return prompt;
    }

    private static SamplingSettings settings(int i) {
        return new SamplingSettings(0.9f, i % 3 == 0 ? 0 : 50, i % 4 == 0 ? 0.9f : 1f, 5 + (i * 7) % 36, 1000 + i,
                i % 2 == 0 ? 17 : -1);
    }

    /** Keeps the log-probability of each streamed token: a function of the step's logits. */
    private static final class Recorder implements TokenListener {
        final List<Double> logProbs = new ArrayList<>();

        @Override
        public boolean onToken(int token, double logProbability) {
            logProbs.add(logProbability);
            return true;
        }
    }

    /**
     * Prompts that answers share, as a comparison's two answers and best-of-n's candidates do: in
     * groups of four, two the same, one that extends it, and one longer than the context ending
     * with it.
     */
    private static int[] sharedPrompt(int i) {
        int[] shared = prompt(i / 4);
        return switch (i % 4) {
            case 0, 1 -> shared;
            case 2 -> IntStream.concat(Arrays.stream(shared), Arrays.stream(prompt(i))).toArray();
            default -> IntStream.concat(IntStream.range(0, CONFIG.contextLength()), Arrays.stream(shared)).toArray();
        };
    }

    private static Run alone(Gpt gpt, int i, IntFunction<int[]> prompts) {
        Recorder recorder = new Recorder();
        Generation generation = new Generator(gpt).generate(prompts.apply(i), settings(i), recorder);
        return new Run(generation.tokens(), recorder.logProbs, generation.stopReason());
    }

    /**
     * Decodes every sequence through one BatchDecoder: sequence i joins at step joinStep(i), at most
     * maxBatch run at once, the rest wait for room, as the service's scheduler does.
     */
    private static List<Run> batched(Gpt gpt, int maxBatch, int joinEvery, IntFunction<int[]> prompts) {
        BatchDecoder decoder = new BatchDecoder(gpt);
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        int next = 0;
        int batchesAboveOne = 0;
        for (int step = 0; next < SEQUENCES || decoder.active() > 0; step++) {
            while (next < SEQUENCES && decoder.active() < maxBatch && step >= next * joinEvery / 3) {
                Recorder recorder = new Recorder();
                recorders.add(recorder);
                sequences.add(decoder.join(prompts.apply(next), settings(next), recorder));
                next++;
            }
            if (decoder.active() > 1) batchesAboveOne++;
            decoder.step();
        }
        assertTrue(maxBatch == 1 || batchesAboveOne > 0);
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            Generation generation = sequences.get(i).generation();
            runs.add(new Run(generation.tokens(), recorders.get(i).logProbs, generation.stopReason()));
        }
        return runs;
    }

    @Test
    void aSequenceGetsTheSameTokensAndLogProbabilitiesInAnyBatch() {
        check(model(false));
    }

    @Test
    void withLoraAdaptersToo() {
        check(model(true));
    }

    /** Answers to one prompt feed it once (in the same step, or a step later from the other's cache): the same numbers. */
    @Test
    void answersSharingAPromptGetWhatTheyGetAlone() {
        check(model(false), BatchDecoderTest::sharedPrompt);
        check(model(true), BatchDecoderTest::sharedPrompt);
    }

    @Test
    void aSharedPromptIsFedOnce() {
        BatchDecoder decoder = new BatchDecoder(model(false));
        int[] prompt = IntStream.range(0, 10).toArray();
        for (int i = 0; i < 2; i++) {
            decoder.join(prompt, settings(1), TokenListener.NONE);
        }
        decoder.step();
        assertEquals(10, decoder.rowsFed(), "two answers joining together");
        decoder.join(prompt, settings(1), TokenListener.NONE);
        decoder.step();
        assertEquals(10 + 2 + 1, decoder.rowsFed(), "a third a step later feeds its last prompt token only");
    }

    private static void check(Gpt gpt) {
        check(gpt, BatchDecoderTest::prompt);
    }

    private static void check(Gpt gpt, IntFunction<int[]> prompts) {
        List<Run> expected = new ArrayList<>();
        for (int i = 0; i < SEQUENCES; i++) {
            expected.add(alone(gpt, i, prompts));
        }
        for (int[] shape : new int[][] {{1, 0}, {3, 1}, {8, 2}, {32, 0}, {32, 5}, {64, 1}}) {
            List<Run> runs = batched(gpt, shape[0], shape[1], prompts);
            for (int i = 0; i < SEQUENCES; i++) {
                String where = "sequence " + i + ", batch " + shape[0] + ", joining every " + shape[1] + "/3 steps";
                assertArrayEquals(expected.get(i).tokens(), runs.get(i).tokens(), where);
                assertEquals(expected.get(i).logProbs(), runs.get(i).logProbs(), where);
                assertEquals(expected.get(i).reason(), runs.get(i).reason(), where);
            }
        }
    }

    @Test
    void batchedLogitsAreBitIdenticalToOneSequenceSteps() {
        Gpt gpt = model(false);
        int[][] prompts = {prompt(1), prompt(2), prompt(3), prompt(4), prompt(5)};
        KvCache[] alone = new KvCache[prompts.length];
        KvCache[] together = new KvCache[prompts.length];
        float[][] expected = new float[prompts.length][];
        for (int i = 0; i < prompts.length; i++) {
            alone[i] = gpt.newCache();
            together[i] = gpt.newCache();
            expected[i] = gpt.forwardCached(alone[i], prompts[i]);
        }
        float[][] actual = gpt.forwardCached(gpt.newDecodeScratch(), together, prompts);
        for (int step = 0; step < 3; step++) {
            int[][] next = new int[prompts.length][];
            for (int i = 0; i < prompts.length; i++) {
                assertArrayEquals(expected[i], actual[i], "sequence " + i + " at step " + step);
                next[i] = new int[] {Sampler.argmax(expected[i])};
                expected[i] = gpt.forwardCached(alone[i], next[i]);
            }
            actual = gpt.forwardCached(gpt.newDecodeScratch(), together, next);
        }
    }

    /** Against the plain path: the full (uncached) forward over prompt + generated tokens gives the same log-probabilities. */
    @Test
    void batchedLogitsMatchTheFullForward() {
        Gpt gpt = model(false);
        BatchDecoder decoder = new BatchDecoder(gpt);
        List<BatchDecoder.Sequence> sequences = new ArrayList<>();
        List<List<Double>> logProbs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<Double> probs = new ArrayList<>();
            logProbs.add(probs);
            SamplingSettings settings = new SamplingSettings(1f, 0, 1f, 3 + i, 50 + i, -1);
            int[] prompt = Arrays.copyOf(prompt(i), Math.min(prompt(i).length, CONFIG.contextLength() - settings.maxNewTokens()));
            sequences.add(decoder.join(prompt, settings, (token, logProb) -> probs.add(logProb)));
        }
        while (decoder.active() > 0) {
            decoder.step();
        }
        for (int i = 0; i < 6; i++) {
            Generation generation = sequences.get(i).generation();
            int[] tokens = generation.tokens();
            float[] full = gpt.forward(tokens, 1, tokens.length).clone();
            int v = CONFIG.vocabSize();
            for (int t = 0; t < generation.newTokens().length; t++) {
                int at = generation.promptLength() + t - 1;
                double fromFull = Sampler.logProbability(Arrays.copyOfRange(full, at * v, (at + 1) * v), tokens[at + 1]);
                assertEquals(fromFull, logProbs.get(i).get(t), 1e-4, "sequence " + i + " token " + t);
            }
        }
    }
}
