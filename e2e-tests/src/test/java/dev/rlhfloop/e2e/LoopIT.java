package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.cli.RateCommand;
import dev.rlhfloop.cli.RateCommand.RatedAnswer;
import dev.rlhfloop.cli.RateCommand.Vote;
import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The RLHF loop, end to end, on the packaged services and a real broker: the trainer bootstraps a
 * small model; the simulated rater ({@code llm rate}'s code, in-process) votes through the public
 * URL by a rule the model never sees; the trainer publishes DPO versions, the inference service
 * hot-loads them; the trainer is killed (SIGKILL) mid-stream and restarted; then the topics are
 * checked: every decisive vote became exactly one preference pair, and the versions' recorded
 * offsets cover each pair exactly once. Prints the rule's share per version and the vote-to-serving
 * latency (p50/p95).
 *
 * <p>Runs in every {@code mvn verify} (3–8 minutes on two cores, mostly the bootstrap);
 * {@code -Drlhf.e2e.loop=false} skips it for a quick local run. Settings (system properties): {@code rlhf.e2e.loopMinutes}
 * (voting budget, default 5), {@code rlhf.e2e.loopVotes} (at most, default 400),
 * {@code rlhf.e2e.requireRise=true} (also fail if the rule's share did not rise), and any
 * {@code rlhf.e2e.<service>.<key>=value}, passed to that service as {@code -D<key>=value}
 * (e.g. {@code -Drlhf.e2e.trainer-service.rlhf.trainer.bootstrap.pretrain-steps=200}); the small
 * bootstrap it starts with is {@link SharedStack#SETTINGS}. The stack is shared with the browser
 * flow ({@code RateFlowOnWholeStackIT}), which runs after this class.
 */
@DisabledIfSystemProperty(named = "rlhf.e2e.loop", matches = "false")
@ExtendWith(SharedStack.class)
@Order(Order.DEFAULT + 1) // after StackIT (unordered), whose launcher stops before this stack starts
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LoopIT {
    static final int PAIRS_PER_VERSION = SharedStack.PAIRS_PER_VERSION;
    static final Duration LOOP_BUDGET = Duration.ofMinutes(Integer.getInteger("rlhf.e2e.loopMinutes", 5));
    static final int MAX_VOTES = Integer.getInteger("rlhf.e2e.loopVotes", 400);

    static WholeStack stack;
    static RateCommand.Session rater;
    static final List<Vote> votes = new ArrayList<>();
    /** When a comparison answered by each version was first asked for: the version was serving then. */
    static final Map<String, Instant> firstServed = new HashMap<>();
    static String sftVersion;
    static Instant trainerRestartedAt;
    static double loopSeconds;

    @BeforeAll
    static void raterAtTheStacksUrl() {
        stack = SharedStack.stack();
        rater = new RateCommand.Session(URI.create(stack.url()), RateCommand.Rule.parse("animal", 0), "loop-it",
                Duration.ofMinutes(10));                 // the first vote waits for the bootstrap
    }

    @Test
    @Order(1)
    void theBootstrappedSftModelAnswers() {
        long t0 = System.nanoTime();
        Vote first = vote();                          // waits while the trainer bootstraps (503 no_model)
        System.out.printf("[loop] first answers after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        List<ModelVersion> registry = registry();
        sftVersion = registry.stream().filter(v -> v.algorithm() == Algorithm.SFT && v.modelLine().equals("live"))
                .map(ModelVersion::versionId).findFirst().orElseThrow(() -> new AssertionError("no SFT version on " + Topics.MODEL_VERSIONS
                        + ": " + registry));
        assertTrue(first.answers().stream().allMatch(a -> a.modelVersion().equals(sftVersion)),
                "the first comparison is answered by the SFT model " + sftVersion + ": " + first.answers());
    }

    @Test
    @Order(2)
    void theRaterVotesUntilTwoNewVersionsServeAndTheTrainerSurvivesAKill() throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + LOOP_BUDGET.toNanos();
        int decisiveSinceFirstNew = 0;
        boolean restarted = false;
        while (votes.size() < MAX_VOTES && System.nanoTime() < deadline) {
            Vote vote = vote();
            List<String> served = newVersionsServed();
            if (!served.isEmpty() && isDecisive(vote)) decisiveSinceFirstNew++;
            // Mid-stream: the trainer has consumed some pairs of its next version but not published it.
            if (!restarted && decisiveSinceFirstNew >= PAIRS_PER_VERSION / 2) {
                stack.kill("trainer-service");
                vote();                                   // votes keep arriving while the trainer is down
                vote();
                stack.restart("trainer-service");
                trainerRestartedAt = Instant.now();
                restarted = true;
            }
            boolean servedAfterRestart = restarted && served.stream().anyMatch(v -> firstServed.get(v).isAfter(trainerRestartedAt));
            if (served.size() >= 2 && servedAfterRestart) break;
        }
        loopSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[loop] %d votes in %.0f s; new versions serving: %s; trainer restarted: %s%n",
                votes.size(), loopSeconds, newVersionsServed(), restarted);
        assertTrue(restarted, "the trainer was killed and restarted mid-stream (needs a first new version to serve)");
        assertTrue(newVersionsServed().size() >= 2, "at least two new versions answered comparisons: " + newVersionsServed()
                + " within " + LOOP_BUDGET + " and " + MAX_VOTES + " votes");
    }

    @Test
    @Order(3)
    void noVoteWasLostOrTrainedTwice() {
        Map<String, Vote> decisive = votes.stream().filter(LoopIT::isDecisive)
                .collect(Collectors.toMap(Vote::comparisonId, v -> v, (a, b) -> a, LinkedHashMap::new));
        assertFalse(decisive.isEmpty(), "the rater cast decisive (A/B) votes");
        // The topology turns the last votes into pairs at its next exactly-once commit: wait for them.
        List<Record<PreferencePair>> pairs = read(Topics.PREFERENCE_PAIRS, PreferencePair.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && !pairs.stream().map(p -> p.value().comparisonId()).collect(Collectors.toSet())
                .containsAll(decisive.keySet())) {
            sleep(1000);
            pairs = read(Topics.PREFERENCE_PAIRS, PreferencePair.class);
        }

        // Upstream: each decisive vote is exactly one pair, and every pair comes from a vote cast here.
        Map<String, Long> pairsPerComparison = pairs.stream()
                .collect(Collectors.groupingBy(p -> p.value().comparisonId(), Collectors.counting()));
        assertEquals(Map.of(), pairsPerComparison.entrySet().stream().filter(e -> e.getValue() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "comparisons with more than one pair");
        assertEquals(decisive.keySet(), pairsPerComparison.keySet(), "decisive votes vs pairs on " + Topics.PREFERENCE_PAIRS);

        // The trainer: consecutive versions of the live line consume consecutive, disjoint offset
        // ranges, each holding exactly the pairs the version says it trained on.
        List<ModelVersion> line = liveLine();
        Map<String, Long> from = new HashMap<>();
        long trained = 0;
        for (ModelVersion version : line) {
            if (version.algorithm() == Algorithm.SFT) continue;
            Map<String, Long> to = version.trainedOn().offsets();
            for (var entry : from.entrySet()) {
                assertTrue(to.getOrDefault(entry.getKey(), 0L) >= entry.getValue(),
                        "version " + version.versionId() + " went back on " + entry.getKey() + ": " + to + " after " + from);
            }
            long inRange = pairs.stream().filter(p -> within(p, from, to)).count();
            assertEquals(version.trainedOn().pairs(), inRange, "pairs of version " + version.versionId()
                    + " vs records in its offset range " + from + " → " + to);
            trained += inRange;
            assertEquals(trained, version.trainedOn().votes(), "votes trained on, cumulative, by " + version.versionId());
            from.clear();
            from.putAll(to);
        }
        long untrained = pairs.stream().filter(p -> p.offset() >= from.getOrDefault(key(p), 0L)).count();
        System.out.printf("[loop] exactly once: %d decisive votes = %d pairs; %d trained by %d versions, %d waiting for the next%n",
                decisive.size(), pairs.size(), trained, line.size() - 1, untrained);
        assertEquals(pairs.size(), trained + untrained, "every pair is trained once or still waiting");

        // The registry never announced one version twice with different contents (a crash replaying a batch).
        Map<String, List<ModelVersion>> announced = read(Topics.MODEL_VERSIONS, ModelVersion.class).stream()
                .map(Record::value).collect(Collectors.groupingBy(ModelVersion::versionId));
        announced.forEach((id, copies) -> assertEquals(1, copies.stream().map(ModelVersion::trainedOn).distinct().count(),
                "version " + id + " announced with different training data: " + copies));
    }

    @Test
    @Order(4)
    void theRulesShareIsReportedPerVersion() {
        Map<String, int[]> counts = rater.tally().counts();
        System.out.println("[loop] answers mentioning the prompt's animal, per version (in order served):");
        counts.forEach((version, c) -> System.out.printf(Locale.ROOT, "[loop]   %-6s %5.1f%% (%d/%d)%n",
                version, 100.0 * c[1] / c[0], c[1], c[0]));
        int[] before = counts.getOrDefault(sftVersion, new int[2]);
        List<String> served = newVersionsServed();
        List<String> lastTwo = served.subList(Math.max(0, served.size() - 2), served.size());
        int[] after = new int[2];
        for (String v : lastTwo) {
            after[0] += counts.get(v)[0];
            after[1] += counts.get(v)[1];
        }
        double shareBefore = (double) before[1] / Math.max(1, before[0]);
        double shareAfter = (double) after[1] / Math.max(1, after[0]);
        System.out.printf(Locale.ROOT, "[loop] rule share: SFT %s %.1f%% (%d answers) → last versions %s %.1f%% (%d answers), after %d votes%n",
                sftVersion, 100 * shareBefore, before[0], lastTwo, 100 * shareAfter, after[0], votes.size());
        assertTrue(before[0] > 0 && after[0] > 0, "answers of the SFT model and of the new versions were rated");
        if (Boolean.getBoolean("rlhf.e2e.requireRise")) {
            assertTrue(shareAfter > shareBefore, "the rule's share rose: " + shareBefore + " → " + shareAfter);
        }
    }

    @Test
    @Order(5)
    void voteToServingLatency() {
        List<Record<PreferencePair>> pairs = read(Topics.PREFERENCE_PAIRS, PreferencePair.class);
        Map<String, Record<PreferencePair>> pairOf = pairs.stream()
                .collect(Collectors.toMap(p -> p.value().comparisonId(), p -> p, (a, b) -> a));
        List<ModelVersion> line = liveLine().stream().filter(v -> v.algorithm() != Algorithm.SFT).toList();
        List<Double> seconds = new ArrayList<>();
        for (Vote vote : votes) {
            Record<PreferencePair> pair = pairOf.get(vote.comparisonId());
            if (pair == null) continue;
            line.stream().filter(v -> pair.offset() < v.trainedOn().offsets().getOrDefault(key(pair), 0L)).findFirst()
                    .map(v -> firstServed.get(v.versionId()))
                    .ifPresent(served -> seconds.add(Duration.between(vote.acknowledgedAt(), served).toMillis() / 1000.0));
        }
        seconds.sort(Comparator.naturalOrder());
        assertFalse(seconds.isEmpty(), "some vote was served by a version trained on it");
        System.out.printf(Locale.ROOT, "[loop] vote-to-serving latency over %d votes: p50 %.1f s, p95 %.1f s, max %.1f s%n",
                seconds.size(), percentile(seconds, 0.50), percentile(seconds, 0.95), seconds.get(seconds.size() - 1));
    }

    // --- helpers ---

    private static Vote vote() {
        Vote vote = rater.rateOne(message -> System.out.println("[rater] " + message));
        votes.add(vote);
        for (RatedAnswer answer : vote.answers()) firstServed.putIfAbsent(answer.modelVersion(), vote.requestedAt());
        System.out.printf("[rater] %3d %-8s %s%n", votes.size(), vote.choice(), vote.answers().stream()
                .map(a -> a.slot() + "=" + a.modelVersion() + (a.satisfiesRule() ? "+" : "-")).collect(Collectors.joining(" ")));
        return vote;
    }

    private static boolean isDecisive(Vote vote) {
        return vote.choice().equals("A") || vote.choice().equals("B");
    }

    /** Versions other than the SFT model that have answered a comparison, in the order they first did. */
    private static List<String> newVersionsServed() {
        return firstServed.entrySet().stream()
                .filter(e -> !e.getKey().equals(sftVersion) && !e.getKey().equals("?"))
                .sorted(Map.Entry.comparingByValue()).map(Map.Entry::getKey).toList();
    }

    /** The live line as announced on the registry: its latest record per version, in publishing order. */
    private static List<ModelVersion> liveLine() {
        Map<String, ModelVersion> latest = new LinkedHashMap<>();
        for (ModelVersion v : registry()) if (v.modelLine().equals("live")) latest.put(v.versionId(), v);
        return latest.values().stream().sorted(Comparator.comparing(ModelVersion::createdAt)).toList();
    }

    private static List<ModelVersion> registry() {
        return read(Topics.MODEL_VERSIONS, ModelVersion.class).stream().map(Record::value).toList();
    }

    private static boolean within(Record<?> r, Map<String, Long> from, Map<String, Long> to) {
        return r.offset() >= from.getOrDefault(key(r), 0L) && r.offset() < to.getOrDefault(key(r), 0L);
    }

    private static String key(Record<?> r) {
        return r.topic() + ":" + r.partition();
    }

    record Record<T>(String topic, int partition, long offset, T value) {}

    /** Every committed record of a topic, from the beginning to its end now. */
    private static <T> List<Record<T>> read(String topic, Class<T> type) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "loop-it-" + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<Record<T>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new AssertionError("could not read " + topic + " to its end " + end);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null) records.add(new Record<>(r.topic(), r.partition(), r.offset(), Json.read(r.value(), type)));
                }
            }
        }
        return records;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static double percentile(List<Double> sorted, double q) {
        int index = (int) Math.ceil(q * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
