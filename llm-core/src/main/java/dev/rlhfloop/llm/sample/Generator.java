package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.KvCache;

/**
 * Autoregressive generation with a KV cache: the prompt is fed in one pass, then one token per
 * step. When the context fills up, the cache is rebuilt from the most recent half-context of
 * tokens and generation goes on. The one-sequence case of {@link BatchDecoder}.
 */
public final class Generator {

    private final BatchDecoder decoder;
    private final KvCache cache;

    public Generator(Gpt model) {
        this.decoder = new BatchDecoder(model);
        this.cache = model.newCache();
    }

    public Generation generate(int[] prompt, SamplingSettings settings) {
        return generate(prompt, settings, TokenListener.NONE);
    }

    public Generation generate(int[] prompt, SamplingSettings settings, TokenListener listener) {
        BatchDecoder.Sequence sequence = decoder.join(prompt, settings, listener, cache);
        while (!sequence.finished()) {
            decoder.step();
        }
        return sequence.generation();
    }
}
