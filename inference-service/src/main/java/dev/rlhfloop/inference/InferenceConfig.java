package dev.rlhfloop.inference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Everything under {@code rlhf.inference.*} (see application.properties). */
@ConfigMapping(prefix = "rlhf.inference")
public interface InferenceConfig {

    /**
     * This instance's name, the first part of every comparison id it makes so that the gateway can
     * send the comparison's reads to it (letters, digits, '-'). Unset: a random name, new each start.
     */
    Optional<String> instance();

    /** Which versions answer a comparison. */
    @WithDefault("latest-vs-baseline")
    CompareMode compare();

    /**
     * With {@code compare=latest-vs-baseline}: the share of comparisons (0 to 1) that pit the latest
     * version against the baseline; the rest are two samples of the latest.
     */
    @WithDefault("0.5")
    double baselineShare();

    /** The model line served (replays publish other lines on the same topic). */
    @WithDefault("live")
    String modelLine();

    /** A local model directory (config.json, model.safetensors, tokenizer.json) served until a version is published. */
    Optional<Path> modelDir();

    /** The version name the local model directory is served under. */
    @WithDefault("local")
    String modelDirVersion();

    /** Where downloaded archives are unpacked while loading. */
    Path downloadDir();

    Sampling sampling();

    /**
     * Best-of-n serving: each answer of a comparison is the one of this many samples that the latest
     * version's reward model scores highest (the reward model is published with each version); 1
     * samples once. The answer streams only once all n are sampled and scored: the first token waits
     * for the whole answer (docs/loop.md). Off (1) by default.
     */
    @WithDefault("1")
    int bestOf();

    /** How a comparison's two answers are drawn. */
    @WithDefault("independent")
    Pairing pairing();

    /** With {@code pairing=uncertain}: the candidates sampled per version the two answers are chosen from. */
    @WithDefault("4")
    int pairingCandidates();

    /** {@code rlhf.inference.pairing}. */
    enum Pairing {
        /** Each answer sampled on its own (best of {@code best-of} when that is above 1). */
        INDEPENDENT,
        /**
         * Uncertainty sampling: {@code pairing-candidates} answers are sampled and the two whose
         * preference the latest reward model is least sure of (σ(r₁ − r₂) nearest ½) are shown, so a
         * vote settles a real doubt. Ahead of best-of for comparisons.
         */
        UNCERTAIN
    }

    /** Gold comparisons and comparisons shown to two raters. */
    RaterCheckSettings raterChecks();

    /**
     * Answers decoded together, one token each per step of the batch (continuous batching); more
     * wait for room in arrival order. At most 64, the largest batch whose rows stay batch-invariant.
     */
    @WithDefault("64")
    int maxBatch();

    /**
     * How answers read the model's weights: fp32 (default, the trained values), bf16 (half the
     * bytes: faster decoding, held-out perplexity within 0.5% of fp32) or int8 (Q8_0-style blocks).
     * A packed copy is made when a version loads, beside the fp32 weights (see docs/engine.md).
     */
    @WithDefault("fp32")
    String weights();

    @WithDefault("2000")
    int maxPromptChars();

    /**
     * Answers that may wait for room in the batch (two per comparison); a comparison that would
     * pass this is refused with 503 and Retry-After instead of waiting without bound.
     */
    @WithDefault("64")
    int maxQueuedAnswers();

    /** The Retry-After of a refusal because the queue is full. */
    @WithDefault("PT5S") // ISO-8601: plain SmallRye (ModelRegistryTest) reads no "5s"
    java.time.Duration queueFullRetryAfter();

    /** Comparisons kept in memory for late SSE clients, polling and vote reveal; the oldest are forgotten. */
    @WithDefault("10000")
    int maxComparisons();

    /**
     * A prompt pool of the user's, drawn from when a request names no prompt instead of the built-in
     * one: one prompt per line, or JSON Lines with {@code prompt} ({@code RLHF_PROMPTS}).
     */
    Optional<Path> promptsFile();

    /** Seed of the built-in data whose prompt pool is drawn from when a request names no prompt. */
    @WithDefault("42")
    long promptPoolSeed();

    interface Sampling {
        @WithDefault("0.8")
        float temperature();

        @WithDefault("40")
        int topK();

        @WithDefault("1.0")
        float topP();

        @WithDefault("64")
        int maxNewTokens();
    }
}
