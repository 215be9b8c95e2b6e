package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.OperatorMeter;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Turn;
import dev.rlhfloop.llm.data.PromptFile;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import dev.rlhfloop.llm.sample.SamplingSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Starts comparisons: picks the two models, formats the prompt as the SFT data did, and generates
 * both answers in the background on a dedicated pool, streaming them to listeners and publishing
 * one generation event per answer once it is complete.
 */
@ApplicationScoped
public class ComparisonService {
    private static final Logger LOG = Logger.getLogger(ComparisonService.class);

    /** The generation queue is full (HTTP 503 with Retry-After): a burst waits at the client, not here without bound. */
    public static final class QueueFullException extends RuntimeException {
        public QueueFullException(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The request cannot be served as asked (HTTP 400). */
    public static final class BadRequestException extends RuntimeException {
        public BadRequestException(String reason) {
            super(reason);
        }
    }

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    GenerationPublisher publisher;

    @Inject
    MeterRegistry meters;

    @Inject
    InstanceName instance;

    @Inject
    RaterChecks raterChecks;

    @Inject
    ComparisonThreads threads;

    @Inject
    ServedLines servedLines;

    private final Random random = new SecureRandom();
    private ThreadPoolExecutor generators;
    /** Room in the generation queue, in answers: taken when a comparison is admitted, given back as each answer starts. */
    private java.util.concurrent.Semaphore queueRoom;
    private Counter comparisonsCreated;
    private Counter tokensGenerated;
    private Timer timeToFirstToken;
    private Timer tokenLatency;
    private final Object poolLock = new Object();
    private volatile List<String> promptPool;
    private Map<String, Comparison> comparisons;

    void start(@Observes StartupEvent event) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = task -> {
            Thread thread = new Thread(task, "generation-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        if (!(config.baselineShare() >= 0 && config.baselineShare() <= 1)) {
            throw new IllegalArgumentException("rlhf.inference.baseline-share must be between 0 and 1, was " + config.baselineShare());
        }
        AnswerGenerator.configure(config.maxBatch());
        // One waiting thread per answer in the batch: the scheduler's thread does the decoding.
        generators = new ThreadPoolExecutor(config.maxBatch(), config.maxBatch(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), threads);
        queueRoom = new java.util.concurrent.Semaphore(config.maxQueuedAnswers());
        registerMeters();
        if (config.promptsFile().isPresent()) {
            promptPool = promptsFromFile(config.promptsFile().get()); // a bad file stops the start, naming its line
        } else {
            generators.submit(this::promptPool); // build the pool now, not in the first request without a prompt
        }
        int max = config.maxComparisons();
        comparisons = new LinkedHashMap<>(256, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Comparison> eldest) {
                return size() > max;
            }
        };
    }

    private void registerMeters() {
        comparisonsCreated = Counter.builder(OperatorMeter.COMPARISONS_CREATED.meterName())
                .description("Comparisons started (two answers each)").register(meters);
        tokensGenerated = Counter.builder(OperatorMeter.TOKENS_GENERATED.meterName()).baseUnit("tokens")
                .description("Tokens sampled for answers").register(meters);
        timeToFirstToken = Timer.builder(OperatorMeter.TIME_TO_FIRST_TOKEN.meterName())
                .description("From the comparison's start to an answer's first streamed text: queueing, prompt and first token")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(meters);
        tokenLatency = Timer.builder(OperatorMeter.TOKEN_LATENCY.meterName())
                .description("An answer's mean time per token after its first token (one sample per answer)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(meters);
        Gauge.builder(OperatorMeter.GENERATION_QUEUE_DEPTH.meterName(), generators, pool -> pool.getQueue().size())
                .description("Answers waiting for a generation thread").register(meters);
        Gauge.builder(OperatorMeter.GENERATIONS_ACTIVE.meterName(), generators, ThreadPoolExecutor::getActiveCount)
                .description("Answers being generated now").register(meters);
    }

    void stop(@Observes ShutdownEvent event) {
        if (generators == null) return;
        generators.shutdownNow();
        try {
            generators.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Creates a comparison and starts generating; {@code prompt} null draws one from the built-in pool. */
    public Comparison create(String prompt) {
        return create(prompt, List.of(), null);
    }

    /** A comparison that continues {@code history} (a chat sent to rating: both sides share it); empty for a fresh one. */
    public Comparison create(String prompt, List<Turn> history) {
        return create(prompt, history, null);
    }

    public Comparison create(String prompt, List<Turn> history, String rater) {
        return create(prompt, history, rater, null);
    }

    /**
     * @param rater who asks (null when unknown): a comparison drawn from the pool may check them instead (RaterChecks)
     * @param requested the mode the request names; null: this service's ({@code rlhf.inference.compare})
     */
    public Comparison create(String prompt, List<Turn> history, String rater, CompareMode requested) {
        if (requested == CompareMode.LINE_VS_LINE) servedLines.requireServed();
        if (prompt == null && !history.isEmpty()) {
            throw new BadRequestException("prompt is missing: a conversation sent to rating needs its next message");
        }
        boolean drawn = prompt == null;
        if (drawn) {
            Optional<Comparison> check = raterChecks.instead(rater);
            if (check.isPresent()) {
                synchronized (this) {
                    comparisons.put(check.get().id(), check.get());
                }
                return check.get();
            }
        }
        if (prompt == null) {
            List<String> pool = promptPool();
            prompt = pool.get(random.nextInt(pool.size()));
        }
        checkPrompt(prompt);
        ModelRegistry.Pair pair = registry.pair(requested != null ? requested : config.compare().draw(config.baselineShare(), random), random);
        List<ServedModel> models = random.nextBoolean()
                ? List.of(pair.first(), pair.second()) : List.of(pair.second(), pair.first());
        Comparison comparison = start(prompt, models, List.of(history, history), null);
        // marked before its answers can finish: the mark is read when an answer's event is written
        if (drawn) raterChecks.consider(comparison);
        return comparison;
    }

    void checkPrompt(String prompt) {
        if (prompt.isBlank()) {
            throw new BadRequestException("prompt is blank: send some text, or leave prompt out to draw one from the pool");
        }
        if (prompt.length() > config.maxPromptChars()) {
            throw new BadRequestException("prompt has " + prompt.length() + " characters, at most "
                    + config.maxPromptChars() + " are allowed");
        }
    }

    /**
     * Starts the answers of slots A and B ({@code models}, each continuing its own {@code histories}
     * entry, cut to its context): a fresh comparison, or a follow-up to {@code previous}.
     */
    Comparison start(String prompt, List<ServedModel> models, List<List<Turn>> histories, Comparison previous) {
        List<ConversationPrompt.Fitted> fitted = List.of(
                ConversationPrompt.fit(models.get(0), histories.get(0), prompt, config.sampling().maxNewTokens()),
                ConversationPrompt.fit(models.get(1), histories.get(1), prompt, config.sampling().maxNewTokens()));
        int[][] promptIds = {fitted.get(0).tokenIds(), fitted.get(1).tokenIds()};
        long seedA = random.nextLong();
        long seedB = seedA + 1 + random.nextInt(Integer.MAX_VALUE);
        if (!queueRoom.tryAcquire(2)) {
            throw queueFull();
        }
        String id = instance.newComparisonId();
        AnswerStream a = new AnswerStream(Slot.A, UUID.randomUUID().toString(), models.get(0).versionId());
        AnswerStream b = new AnswerStream(Slot.B, UUID.randomUUID().toString(), models.get(1).versionId());
        Comparison comparison = new Comparison(id, prompt, List.of(a, b));
        threads.record(id, previous, histories, fitted);
        synchronized (this) {
            comparisons.put(id, comparison);
        }
        String shownPrompt = prompt;
        long startedNanos = System.nanoTime();
        generators.submit(() -> {
            queueRoom.release();
            generate(comparison, a, models.get(0), promptIds[0], shownPrompt, fitted.get(0).context(), seedA, startedNanos);
        });
        generators.submit(() -> {
            queueRoom.release();
            generate(comparison, b, models.get(1), promptIds[1], shownPrompt, fitted.get(1).context(), seedB, startedNanos);
        });
        comparisonsCreated.increment();
        return comparison;
    }

    public synchronized Optional<Comparison> find(String id) {
        return Optional.ofNullable(comparisons.get(id));
    }

    void markVoted(String comparisonId) {
        find(comparisonId).ifPresent(Comparison::markVoted);
    }

    /**
     * Runs one answer that belongs to no comparison (a chat message) behind the same bounded queue and
     * on the same pool as comparisons' answers.
     */
    void submitAlone(Runnable generation) {
        if (!queueRoom.tryAcquire(1)) {
            throw queueFull();
        }
        generators.submit(() -> {
            queueRoom.release();
            generation.run();
        });
    }

    private QueueFullException queueFull() {
        return new QueueFullException(config.maxQueuedAnswers() + " answers are waiting for a generation thread "
                + "(rlhf.inference.max-queued-answers): try again shortly");
    }

    long newSeed() {
        return random.nextLong();
    }

    SamplingSettings settings(ServedModel model, long seed) {
        InferenceConfig.Sampling s = config.sampling();
        return new SamplingSettings(s.temperature(), s.topK(), s.topP(), s.maxNewTokens(), seed, model.tokenizer().endOfTextId());
    }

    private void generate(Comparison comparison, AnswerStream answer, ServedModel model, int[] promptIds,
                          String prompt, List<Turn> context, long seed, long startedNanos) {
        SamplingSettings settings = settings(model, seed);
        AnswerGenerator.Result result;
        long[] firstPieceNanos = {0};
        try {
            result = AnswerGenerator.generate(model, promptIds, settings, piece -> {
                if (firstPieceNanos[0] == 0) {
                    firstPieceNanos[0] = System.nanoTime();
                    timeToFirstToken.record(firstPieceNanos[0] - startedNanos, TimeUnit.NANOSECONDS);
                }
                answer.append(piece);
            });
        } catch (RuntimeException e) {
            LOG.errorf(e, "generation %s of comparison %s failed", answer.generationId(), comparison.id());
            answer.fail("generation failed: " + e.getMessage());
            return;
        }
        int tokens = result.tokenIds().size();
        tokensGenerated.increment(tokens);
        if (tokens > 1 && firstPieceNanos[0] != 0) {
            tokenLatency.record((System.nanoTime() - firstPieceNanos[0]) / (tokens - 1), TimeUnit.NANOSECONDS);
        }
        GenerationEvent event = GenerationEvent.of(answer.generationId(), comparison.id(), answer.slot(), prompt,
                new Answer(result.text(), result.tokenIds(), model.versionId()),
                new Sampling(settings.temperature(), settings.topK(), settings.topP(), settings.maxNewTokens(), seed),
                result.logProb(), context).withCheck(comparison.check());
        // "done" goes out once Kafka has the answer, so a vote right after it finds the comparison
        publisher.publish(event).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.errorf("generation %s of comparison %s was not written to Kafka: %s", answer.generationId(),
                        comparison.id(), error.getMessage());
            }
            answer.finish(result.text());
        });
    }

    private List<String> promptsFromFile(Path file) {
        List<String> prompts;
        try {
            prompts = PromptFile.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("rlhf.inference.prompts-file (RLHF_PROMPTS) " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).length() > config.maxPromptChars()) {
                throw new IllegalArgumentException(file + ": prompt " + (i + 1) + " has " + prompts.get(i).length()
                        + " characters, more than rlhf.inference.max-prompt-chars (" + config.maxPromptChars() + ")");
            }
        }
        LOG.infof("prompt pool: %d prompts from %s", prompts.size(), file);
        return prompts;
    }

    private List<String> promptPool() {
        List<String> pool = promptPool;
        if (pool == null) {
            synchronized (poolLock) {
                if (promptPool == null) promptPool = List.copyOf(new BuiltinData(config.promptPoolSeed()).prompts());
                pool = promptPool;
            }
        }
        return pool;
    }
}
