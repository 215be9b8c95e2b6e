package dev.rlhfloop.inference;

import dev.rlhfloop.llm.sample.BatchScheduler;
import dev.rlhfloop.llm.sample.Generation;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tokenizer.StreamingDecoder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Samples one answer from a served model, decoded in the service's {@link BatchScheduler} beside the
 * other answers being generated (the same tokens as alone), streaming
 * whole-character pieces of the answer text as they are generated, and adds up the
 * log-probability of each sampled token under the model (temperature 1, no cut: the policy's own
 * probability, as DPO and PPO need it).
 */
final class AnswerGenerator {

    /**
     * A finished answer.
     *
     * @param tokenIds every sampled token, up to and including the one that ended the answer
     *                 (end-of-text, or the last token of a {@code ###} marker)
     * @param logProb  Σ log p(token) over {@code tokenIds}
     */
    record Result(String text, List<Integer> tokenIds, double logProb) {}

    /** The default of {@code rlhf.inference.max-batch}. */
    static final int DEFAULT_MAX_BATCH = 64;

    private static BatchScheduler scheduler;

    private AnswerGenerator() {}

    /** Sets the batch size at startup (answers already in flight finish in the previous batch). */
    static synchronized void configure(int maxBatch) {
        if (scheduler == null || scheduler.maxBatch() != maxBatch) {
            if (scheduler != null) scheduler.close();
            scheduler = new BatchScheduler(maxBatch, "decode-batch");
        }
    }

    private static synchronized BatchScheduler scheduler() {
        if (scheduler == null) configure(DEFAULT_MAX_BATCH);
        return scheduler;
    }

    /** {@code prompt} + {@code settings.maxNewTokens()} must fit the model's context (checked by the caller). */
    static Result generate(ServedModel model, int[] prompt, SamplingSettings settings, Consumer<String> pieces) {
        return start(model, prompt, settings, pieces).await();
    }

    /**
     * Queues an answer in the batch without waiting: a caller with several answers (best-of-n's
     * candidates) starts them all, so they decode in the same steps, then awaits each. Pieces stream
     * to {@code pieces} on the scheduler's thread, the last ones on the awaiting thread.
     */
    static Pending start(ServedModel model, int[] prompt, SamplingSettings settings, Consumer<String> pieces) {
        return new Pending(model, prompt, settings, pieces);
    }

    /** An answer being generated. */
    static final class Pending {
        private final StreamingDecoder decoder;
        private final AnswerText answer = new AnswerText();
        private final Consumer<String> pieces;
        private final java.util.concurrent.CompletableFuture<Generation> generation;
        private double logProb;

        private Pending(ServedModel model, int[] prompt, SamplingSettings settings, Consumer<String> pieces) {
            int endOfText = model.tokenizer().endOfTextId();
            this.decoder = model.tokenizer().streamingDecoder();
            this.pieces = pieces;
            this.generation = scheduler().submit(model.gpt(), prompt, settings.withStopToken(endOfText), (token, tokenLogProb) -> {
                logProb += tokenLogProb;
                if (token == endOfText) return true; // the generator stops on it; it is not part of the text
                emit(answer.append(decoder.next(token)), pieces);
                return !answer.ended();
            });
        }

        /** Waits for the answer's last token and returns it whole. */
        Result await() {
            Generation done = scheduler().await(generation);
            emit(answer.append(decoder.finish()), pieces);
            emit(answer.finish(), pieces);
            List<Integer> tokens = Arrays.stream(done.newTokens()).boxed().toList();
            return new Result(answer.text(), tokens, logProb);
        }
    }

    private static void emit(String piece, Consumer<String> pieces) {
        if (!piece.isEmpty()) pieces.accept(piece);
    }
}
