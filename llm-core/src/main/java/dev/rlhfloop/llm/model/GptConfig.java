package dev.rlhfloop.llm.model;

import java.util.Locale;

/**
 * The shape of a GPT-2 style model. {@code dropout} applies to the embeddings, the attention
 * weights and both residual branches, as in GPT-2; {@code qkvBias} adds a bias to the query, key
 * and value projection (GPT-2 has one; the book trains from scratch without); {@code tiedHead}
 * reuses the token embedding as the output projection.
 */
public record GptConfig(int vocabSize, int contextLength, int embedDim, int heads, int layers,
                        float dropout, boolean qkvBias, boolean tiedHead, float layerNormEpsilon) {

    public GptConfig {
        if (vocabSize <= 0 || contextLength <= 0 || embedDim <= 0 || heads <= 0 || layers <= 0) {
            throw new IllegalArgumentException("vocabSize, contextLength, embedDim, heads and layers must be positive");
        }
        if (embedDim % heads != 0) {
            throw new IllegalArgumentException("embedDim " + embedDim + " is not divisible by heads " + heads);
        }
        if (!(dropout >= 0f && dropout < 1f)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(layerNormEpsilon > 0f)) {
            throw new IllegalArgumentException("layerNormEpsilon must be positive");
        }
    }

    /** A GPT-2 shaped model of the given size: biases everywhere, tied head, no dropout, epsilon 1e-5. */
    public static GptConfig of(int vocabSize, int contextLength, int embedDim, int heads, int layers) {
        return new GptConfig(vocabSize, contextLength, embedDim, heads, layers, 0f, true, true, 1e-5f);
    }

    public static GptConfig nano() {
        return of(4096, 256, 256, 4, 4);
    }

    public static GptConfig small() {
        return of(8192, 256, 384, 6, 6);
    }

    public static GptConfig gpt2() {
        return of(50257, 1024, 768, 12, 12);
    }

    /** GPT-2 medium's shape (OpenAI's 355M, Hugging Face's {@code gpt2-medium}): 24 layers of 1024 dimensions, 16 heads. */
    public static GptConfig gpt2Medium() {
        return of(50257, 1024, 1024, 16, 24);
    }

    /** {@code nano}, {@code small}, {@code gpt2-124m} or {@code gpt2-355m}. */
    public static GptConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "nano" -> nano();
            case "small" -> small();
            case "gpt2-124m", "gpt2", "124m" -> gpt2();
            case "gpt2-355m", "gpt2-medium", "355m" -> gpt2Medium();
            default -> throw new IllegalArgumentException("unknown model preset '" + name + "' (known: nano, small, gpt2-124m, gpt2-355m)");
        };
    }

    public int headDim() {
        return embedDim / heads;
    }

    public GptConfig withDropout(float rate) {
        return new GptConfig(vocabSize, contextLength, embedDim, heads, layers, rate, qkvBias, tiedHead, layerNormEpsilon);
    }

    public GptConfig withVocabSize(int size) {
        return new GptConfig(size, contextLength, embedDim, heads, layers, dropout, qkvBias, tiedHead, layerNormEpsilon);
    }

    public GptConfig withContextLength(int length) {
        return new GptConfig(vocabSize, length, embedDim, heads, layers, dropout, qkvBias, tiedHead, layerNormEpsilon);
    }

    public GptConfig withQkvBias(boolean bias) {
        return new GptConfig(vocabSize, contextLength, embedDim, heads, layers, dropout, bias, tiedHead, layerNormEpsilon);
    }

    public GptConfig withTiedHead(boolean tied) {
        return new GptConfig(vocabSize, contextLength, embedDim, heads, layers, dropout, qkvBias, tied, layerNormEpsilon);
    }

    /** Number of trainable floats. */
    public long parameterCount() {
        long c = embedDim;
        long perLayer = 2 * c + 3 * c * c + (qkvBias ? 3 * c : 0) + c * c + c + 2 * c + 4 * c * c + 4 * c + 4 * c * c + c;
        long head = tiedHead ? 0 : (long) vocabSize * c;
        return (long) vocabSize * c + (long) contextLength * c + layers * perLayer + 2 * c + head;
    }
}
