package dev.rlhfloop.llm.sample;

import dev.rlhfloop.llm.model.DecodeScratch;
import dev.rlhfloop.llm.model.Gpt;
import dev.rlhfloop.llm.model.KvCache;
import dev.rlhfloop.llm.tensor.Parallel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Continuous batching: generates several sequences of one model together, one token each per
 * {@link #step()}, with one pass over the weights per step for the whole batch. Sequences join
 * (their prompt is fed in the next step) and leave (stop token, token limit, listener) between
 * steps. Each sequence's tokens and log-probabilities are those {@link Generator} gives it alone
 * with the same settings: the step is batch-invariant and each sequence has its own sampler.
 *
 * <p>Not thread-safe: one thread joins and steps.
 */
public final class BatchDecoder {

    private final Gpt model;
    private final DecodeScratch scratch;
    private final List<Sequence> active = new ArrayList<>();
    private final List<KvCache> spareCaches = new ArrayList<>();
    /** Token rows fed to the model so far. */
    private long rowsFed;

    public BatchDecoder(Gpt model) {
        this.model = model;
        this.scratch = model.newDecodeScratch();
    }

    public Gpt model() {
        return model;
    }

    /** Sequences that joined and have not finished. */
    public int active() {
        return active.size();
    }

    /** Token rows fed to the model so far: a prompt that answers share counts once. */
    long rowsFed() {
        return rowsFed;
    }

    /** Adds a sequence; its prompt is fed with the next step. */
    public Sequence join(int[] prompt, SamplingSettings settings, TokenListener listener) {
        // A cache of a finished sequence is reused: a fresh one is megabytes to allocate and clear.
        KvCache cache = spareCaches.isEmpty() ? model.newCache() : spareCaches.remove(spareCaches.size() - 1);
        Sequence sequence = join(prompt, settings, listener, cache);
        sequence.pooledCache = true;
        return sequence;
    }

    /** The same, reusing {@code cache} (reset first). */
    public Sequence join(int[] prompt, SamplingSettings settings, TokenListener listener, KvCache cache) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt needs at least one token");
        }
        Sequence sequence = new Sequence(prompt, settings, listener, cache, model.config().contextLength());
        if (settings.maxNewTokens() > 0) {
            active.add(sequence);
        } else {
            sequence.stopReason = Generation.StopReason.MAX_TOKENS;
        }
        return sequence;
    }

    /**
     * Feeds every active sequence's pending tokens in one forward pass, samples one token for each
     * and streams it to its listener. Returns the sequences that finished in this step (they have
     * left the batch). When the step throws (a listener's exception included), every sequence has
     * left the batch.
     */
    public List<Sequence> step() {
        int batch = active.size();
        if (batch == 0) {
            return List.of();
        }
        int[] twin = twins();
        int computed = 0;
        for (int i = 0; i < batch; i++) {
            if (twin[i] < 0) {
                reuseCachedPrefix(active.get(i));
                computed++;
            }
        }
        KvCache[] caches = new KvCache[computed];
        int[][] feed = new int[computed][];
        int[] row = new int[batch];
        for (int i = 0, r = 0; i < batch; i++) {
            if (twin[i] < 0) {
                row[i] = r;
                caches[r] = active.get(i).cache;
                feed[r++] = active.get(i).pending;
                rowsFed += active.get(i).pending.length;
            }
        }
        List<Sequence> finished = new ArrayList<>();
        try {
            float[][] computedLogits = model.forwardCached(scratch, caches, feed);
            float[][] logits = new float[batch][];
            for (int i = 0; i < batch; i++) {
                if (twin[i] < 0) {
                    logits[i] = computedLogits[row[i]];
                } else {
                    Sequence source = active.get(twin[i]);
                    active.get(i).cache.copyPrefix(source.cache, source.cache.position());
                    logits[i] = computedLogits[row[twin[i]]]; // only read by the samplers
                }
            }
            // Each sequence samples with its own RNG, so choosing in parallel changes nothing.
            Parallel.forEach(0, batch, i -> active.get(i).choose(logits[i]));
            for (int i = 0; i < batch; i++) {
                Sequence sequence = active.get(i);
                if (sequence.advance()) {
                    finished.add(sequence);
                }
            }
        } catch (RuntimeException | Error e) {
            // A half-done step leaves the caches out of step with the tokens: the whole batch ends.
            active.clear();
            throw e;
        }
        active.removeAll(finished);
        for (Sequence sequence : finished) {
            if (sequence.pooledCache) {
                spareCaches.add(sequence.cache);
            }
        }
        return finished;
    }

    /**
     * Answers to one prompt (a comparison's two, best-of-n's candidates) feed it once: for each
     * sequence starting from an empty cache, the earlier one in the batch that feeds the same tokens
     * from an empty cache, whose cache and logits it takes after the step; -1 when it feeds its own.
     * Rows are batch-invariant, so the copies are the numbers the sequence would compute.
     */
    private int[] twins() {
        int[] twin = new int[active.size()];
        Arrays.fill(twin, -1);
        for (int i = 0; i < twin.length; i++) {
            Sequence sequence = active.get(i);
            for (int j = 0; j < i && sequence.cache.position() == 0; j++) {
                Sequence earlier = active.get(j);
                if (twin[j] < 0 && earlier.cache.position() == 0 && Arrays.equals(earlier.pending, sequence.pending)) {
                    twin[i] = j;
                    break;
                }
            }
        }
        return twin;
    }

    /**
     * A sequence starting from an empty cache takes the longest prefix of its tokens that another
     * sequence's cache already holds (an answer joining a step after its comparison's other answer),
     * and feeds only the rest: at least its last token, whose logits it needs.
     */
    private void reuseCachedPrefix(Sequence sequence) {
        if (sequence.cache.position() != 0) return;
        int[] pending = sequence.pending;
        Sequence donor = null;
        int longest = 0;
        for (Sequence other : active) {
            int limit = Math.min(other.cache.position(), pending.length - 1);
            int mismatch = Arrays.mismatch(other.tokens, other.cacheStart, other.cacheStart + limit, pending, 0, limit);
            int same = mismatch < 0 ? limit : mismatch;
            if (same > longest) {
                longest = same;
                donor = other;
            }
        }
        if (donor != null) {
            sequence.cache.copyPrefix(donor.cache, longest);
            sequence.pending = Arrays.copyOfRange(pending, longest, pending.length);
        }
    }

    /** One generation in the batch: the same loop as {@link Generator}'s, one iteration per step. */
    public static final class Sequence {
        private final int promptLength;
        private final int[] tokens;
        private final SamplingSettings settings;
        private final TokenListener listener;
        private final Sampler sampler;
        private final KvCache cache;
        private final int context;
        private int length;
        /** The index in {@link #tokens} of the cache's position 0 (past it when a long sequence rebuilt its cache). */
        private int cacheStart;
        private int[] pending;
        private Generation.StopReason stopReason;
        private int chosen;
        private double chosenLogProbability;
        private boolean pooledCache;

        private Sequence(int[] prompt, SamplingSettings settings, TokenListener listener, KvCache cache, int context) {
            this.promptLength = prompt.length;
            this.tokens = Arrays.copyOf(prompt, prompt.length + settings.maxNewTokens());
            this.settings = settings;
            this.listener = listener;
            this.sampler = new Sampler(settings);
            this.cache = cache;
            this.context = context;
            this.length = prompt.length;
            cache.reset();
            this.cacheStart = Math.max(0, length - context);
            this.pending = Arrays.copyOfRange(tokens, cacheStart, length);
        }

        /** Samples the next token from this step's logits (any thread). */
        private void choose(float[] logits) {
            chosen = sampler.sample(logits);
            // NONE ignores the log-probability, so skip its pass over the vocabulary
            chosenLogProbability = listener == TokenListener.NONE ? 0 : Sampler.logProbability(logits, chosen);
        }

        /** Streams the chosen token (the stepping thread); true when the sequence has finished. */
        private boolean advance() {
            int next = chosen;
            tokens[length++] = next;
            boolean go = listener == TokenListener.NONE || listener.onToken(next, chosenLogProbability);
            if (next == settings.stopToken()) {
                stopReason = Generation.StopReason.STOP_TOKEN;
            } else if (!go) {
                stopReason = Generation.StopReason.LISTENER;
            } else if (length - promptLength == settings.maxNewTokens()) {
                stopReason = Generation.StopReason.MAX_TOKENS;
            } else if (cache.position() == context) {
                // The context is full: rebuild the cache from the most recent half-context.
                cache.reset();
                cacheStart = length - context / 2;
                pending = Arrays.copyOfRange(tokens, cacheStart, length);
            } else {
                pending = new int[] {next};
            }
            return stopReason != null;
        }

        public boolean finished() {
            return stopReason != null;
        }

        /** The prompt and the tokens so far, and why it ended (null while it runs). */
        public Generation generation() {
            return new Generation(Arrays.copyOf(tokens, length), promptLength, stopReason);
        }
    }
}
