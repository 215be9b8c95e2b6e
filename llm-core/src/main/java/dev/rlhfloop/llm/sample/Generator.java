package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.KvCache;

import java.util.Arrays;

/**
 * Autoregressive generation with a KV cache: the prompt is fed in one pass, then one token per
 * step. When the context fills up, the cache is rebuilt from the most recent half-context of
 * tokens and generation goes on.
 */
public final class Generator {

    private final Gpt model;
    private final KvCache cache;

    public Generator(Gpt model) {
        this.model = model;
        this.cache = model.newCache();
    }

    public Generation generate(int[] prompt, SamplingSettings settings) {
        return generate(prompt, settings, TokenListener.NONE);
    }

    public Generation generate(int[] prompt, SamplingSettings settings, TokenListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        int context = model.config().contextLength();
        int[] tokens = Arrays.copyOf(prompt, prompt.length + settings.maxNewTokens());
        int length = prompt.length;
        Sampler sampler = new Sampler(settings);
        cache.reset();
        float[] logits = model.forwardCached(cache, Arrays.copyOfRange(tokens, Math.max(0, length - context), length));
        Generation.StopReason reason = Generation.StopReason.MAX_TOKENS;
        for (int i = 0; i < settings.maxNewTokens(); i++) {
            int next = sampler.sample(logits);
            tokens[length++] = next;
            // NONE ignores the log-probability, so skip its pass over the vocabulary
            boolean go = listener == TokenListener.NONE || listener.onToken(next, Sampler.logProbability(logits, next));
            if (next == settings.stopToken()) {
                reason = Generation.StopReason.STOP_TOKEN;
                break;
            }
            if (!go) {
                reason = Generation.StopReason.LISTENER;
                break;
            }
            if (i + 1 == settings.maxNewTokens()) {
                break;
            }
            if (cache.position() == context) {
                cache.reset();
                logits = model.forwardCached(cache, Arrays.copyOfRange(tokens, length - context / 2, length));
            } else {
                logits = model.forwardCached(cache, next);
            }
        }
        return new Generation(Arrays.copyOf(tokens, length), prompt.length, reason);
    }
}
