package dev.rlhfloop.inference;

import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.RaterCheck;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.llm.data.InstructionExample;
import dev.rlhfloop.llm.data.builtin.BuiltinData;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Comparisons that check the raters, among those drawn from the prompt pool:
 * <ul>
 * <li><b>gold</b> ({@code gold-share}; none when the prompt pool is a file of the user's): a
 * held-out checkable task of the built-in data, its reference
 * answer against a wrong one that reads like it ({@link WrongAnswers}), sides drawn at
 * random; both streamed at the model's pace and published as generation events marked
 * {@link RaterCheck#gold}, under the serving version's name;</li>
 * <li><b>shown twice</b> ({@code second-rater-share}): an ordinary comparison marked
 * {@link RaterCheck#SECOND_RATER}; once a rater voted on it, the next other rater who asks for a
 * comparison (and has not voted on it) gets it again, its answers replayed at the same pace.</li>
 * </ul>
 * Nothing a rater can read tells these apart: the marks live only on the generation events.
 */
@ApplicationScoped
public class RaterChecks {
    private static final Logger LOG = Logger.getLogger(RaterChecks.class);

    @Inject
    InferenceConfig config;

    @Inject
    ModelRegistry registry;

    @Inject
    GenerationPublisher publisher;

    @Inject
    InstanceName instance;

    private final Clock clock = Clock.systemUTC();
    private Random random;
    private ScheduledExecutorService pacer;
    private volatile List<InstructionExample> goldTasks;
    /** Raters by their last vote, to draw second showings only while another rater is around. */
    private final Map<String, Instant> lastVoteByRater = new HashMap<>();
    /** Comparisons marked for a second rater and not voted on yet. */
    private final Map<String, Comparison> awaitingFirstVote = new LinkedHashMap<>();
    /** Voted once, waiting for a second rater, oldest first. */
    private final Map<String, Waiting> awaitingSecondRater = new LinkedHashMap<>();

    private record Waiting(Comparison comparison, String firstRater, Instant since) {}

    /** The configured gold share, or 0 with a prompts file of the user's: gold tasks are the built-in world's. */
    private double goldShare;

    void start(@Observes StartupEvent event) {
        RaterCheckSettings settings = config.raterChecks();
        share("gold-share", settings.goldShare());
        share("second-rater-share", settings.secondRaterShare());
        goldShare = config.promptsFile().isPresent() ? 0 : settings.goldShare();
        if (goldShare == 0 && settings.goldShare() > 0) {
            LOG.infof("no gold comparisons: the prompt pool is %s, and gold tasks come from the built-in data", config.promptsFile().get());
        }
        random = settings.seed().isPresent() ? new Random(settings.seed().getAsLong()) : new SecureRandom();
        pacer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "fixed-answers");
            thread.setDaemon(true);
            return thread;
        });
        if (goldShare > 0) pacer.execute(this::goldTasks); // build the tasks now, not in the first gold request
    }

    private static void share(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("rlhf.inference.rater-checks." + name + " must be between 0 and 1, was " + value);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (pacer != null) pacer.shutdownNow();
    }

    /**
     * For a request without a prompt: a comparison another rater voted on and this one has not, or a
     * gold comparison (with a fresh id), or empty for an ordinary one.
     */
    synchronized Optional<Comparison> instead(String rater) {
        Instant now = clock.instant();
        for (Iterator<Waiting> it = awaitingSecondRater.values().iterator(); it.hasNext(); ) {
            Waiting waiting = it.next();
            boolean complete = waiting.comparison().answers().stream().allMatch(a -> a.snapshot().done());
            if (!complete || waiting.since().plus(config.raterChecks().secondRaterWait()).isBefore(now)) {
                it.remove();
            } else if (rater != null && !rater.equals(waiting.firstRater())) {
                it.remove();
                return Optional.of(secondShowing(waiting.comparison()));
            }
        }
        if (random.nextDouble() < goldShare) return gold();
        return Optional.empty();
    }

    /** Marks a new comparison drawn from the pool for a second rater, in the configured share, while two raters vote. */
    synchronized void consider(Comparison comparison) {
        if (random.nextDouble() >= config.raterChecks().secondRaterShare() || activeRaters() < 2) return;
        comparison.check(RaterCheck.SECOND_RATER);
        awaitingFirstVote.put(comparison.id(), comparison);
        while (awaitingFirstVote.size() > config.maxComparisons()) awaitingFirstVote.remove(awaitingFirstVote.keySet().iterator().next());
    }

    /** A vote seen on the votes topic (by any instance's rater). */
    synchronized void voted(String comparisonId, String rater) {
        lastVoteByRater.put(rater, clock.instant());
        Comparison marked = awaitingFirstVote.remove(comparisonId);
        if (marked != null) awaitingSecondRater.put(comparisonId, new Waiting(marked, rater, clock.instant()));
    }

    private int activeRaters() {
        Instant since = clock.instant().minus(config.raterChecks().secondRaterWait());
        lastVoteByRater.values().removeIf(last -> last.isBefore(since));
        return lastVoteByRater.size();
    }

    /** The same comparison (id, prompt, answers, slots) with its answers streamed again, for the second rater. */
    private Comparison secondShowing(Comparison shown) {
        List<AnswerStream> again = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (AnswerStream answer : shown.answers()) {
            again.add(new AnswerStream(answer.slot(), answer.generationId(), answer.modelVersion()));
            texts.add(answer.snapshot().text());
        }
        Comparison comparison = new Comparison(shown.id(), shown.prompt(), again);
        comparison.check(RaterCheck.SECOND_RATER);
        for (int i = 0; i < again.size(); i++) {
            AnswerStream stream = again.get(i);
            String text = texts.get(i);
            play(stream, text, () -> stream.finish(text));
        }
        LOG.debugf("comparison %s shown to a second rater", shown.id());
        return comparison;
    }

    private Optional<Comparison> gold() {
        List<InstructionExample> tasks = goldTasks();
        InstructionExample task = tasks.get(random.nextInt(tasks.size()));
        Optional<String> wrong = WrongAnswers.of(task, tasks, random);
        if (wrong.isEmpty()) return Optional.empty();
        ServedModel model = registry.current();
        boolean referenceInA = random.nextBoolean();
        String id = instance.newComparisonId();
        List<AnswerStream> streams = List.of(
                new AnswerStream(Slot.A, UUID.randomUUID().toString(), model.versionId()),
                new AnswerStream(Slot.B, UUID.randomUUID().toString(), model.versionId()));
        Comparison comparison = new Comparison(id, task.instruction(), streams);
        for (AnswerStream stream : streams) {
            boolean reference = (stream.slot() == Slot.A) == referenceInA;
            String text = reference ? task.output() : wrong.get();
            List<Integer> tokens = Arrays.stream(model.tokenizer().encode(text)).boxed().toList();
            GenerationEvent event = GenerationEvent.of(stream.generationId(), id, stream.slot(), task.instruction(),
                    new Answer(text, tokens, model.versionId()),
                    new Sampling(0, 0, 1, config.sampling().maxNewTokens(), 0), 0).withCheck(RaterCheck.gold(reference));
            play(stream, text, () -> publisher.publish(event).whenComplete((ok, error) -> {
                if (error != null) LOG.errorf("gold answer %s of %s was not written to Kafka: %s", stream.generationId(), id, error.getMessage());
                stream.finish(text);
            }));
        }
        return Optional.of(comparison);
    }

    /** Held-out checkable tasks that stand alone (no input), so the prompt is the instruction. */
    private List<InstructionExample> goldTasks() {
        List<InstructionExample> tasks = goldTasks;
        if (tasks == null) {
            tasks = new BuiltinData(config.promptPoolSeed()).heldOutExamples().stream()
                    .filter(t -> t.input().isEmpty())
                    .toList();
            goldTasks = tasks;
        }
        return tasks;
    }

    /** Streams a finished text word by word at the configured pace, then runs {@code done}. */
    private void play(AnswerStream stream, String text, Runnable done) {
        String[] pieces = text.split("(?<=\\s)(?=\\S)");
        long paceMillis = Math.max(1, config.raterChecks().fixedAnswerPace().toMillis());
        Runnable step = new Runnable() {
            int next;

            @Override
            public void run() {
                try {
                    if (next < pieces.length && !text.isEmpty()) {
                        stream.append(pieces[next++]);
                        pacer.schedule(this, paceMillis, TimeUnit.MILLISECONDS);
                    } else {
                        done.run();
                    }
                } catch (RuntimeException e) {
                    LOG.errorf(e, "streaming a fixed answer of %s failed", stream.generationId());
                    stream.fail("streaming failed: " + e.getMessage());
                }
            }
        };
        pacer.schedule(step, paceMillis, TimeUnit.MILLISECONDS);
    }
}
