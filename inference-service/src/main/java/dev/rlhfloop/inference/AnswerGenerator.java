package dev.rlhfloop.inference;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.KvCache;
import dev.rlhfloop.llm.sample.Sampler;
import dev.rlhfloop.llm.sample.SamplingSettings;
import dev.rlhfloop.llm.tokenizer.StreamingDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Samples one answer from a served model, streaming whole-character pieces of the answer text as
 * they are generated, and adds up the log-probability of each sampled token under the model
 * (temperature 1, no cut: the policy's own probability, as DPO and PPO need it).
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

    private AnswerGenerator() {}

    /** {@code prompt} + {@code settings.maxNewTokens()} must fit the model's context (checked by the caller). */
    static Result generate(ServedModel model, int[] prompt, SamplingSettings settings, Consumer<String> pieces) {
        Gpt gpt = model.gpt();
        int endOfText = model.tokenizer().endOfTextId();
        KvCache cache = gpt.newCache();
        Sampler sampler = new Sampler(settings);
        StreamingDecoder decoder = model.tokenizer().streamingDecoder();
        AnswerText answer = new AnswerText();
        List<Integer> tokens = new ArrayList<>();
        double logProb = 0;
        float[] logits = gpt.forwardCached(cache, prompt);
        for (int i = 0; i < settings.maxNewTokens(); i++) {
            int next = sampler.sample(logits);
            logProb += logProbability(logits, next);
            tokens.add(next);
            if (next == endOfText) break;
            emit(answer.append(decoder.next(next)), pieces);
            if (answer.ended() || i + 1 == settings.maxNewTokens()) break;
            logits = gpt.forwardCached(cache, next);
        }
        emit(answer.append(decoder.finish()), pieces);
        emit(answer.finish(), pieces);
        return new Result(answer.text(), tokens, logProb);
    }

    private static void emit(String piece, Consumer<String> pieces) {
        if (!piece.isEmpty()) pieces.accept(piece);
    }

    /** log softmax(logits)[token], in double. */
    static double logProbability(float[] logits, int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (float logit : logits) max = Math.max(max, logit);
        double sum = 0;
        for (float logit : logits) sum += Math.exp(logit - max);
        return logits[token] - max - Math.log(sum);
    }
}
