package dev.rlhfloop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhfloop.cli.RateCommand;
import dev.rlhfloop.cli.RateCommand.RatedAnswer;
import dev.rlhfloop.cli.RateCommand.Vote;
import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.Json;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.llm.data.builtin.RaterRules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
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
 * URL by a rule the model never sees (prefer the shorter answer); the trainer publishes DPO versions,
 * the inference service hot-loads them; the trainer is killed (SIGKILL) mid-stream and restarted;
 * then the topics are checked: every decisive vote became exactly one preference pair, and the
 * versions' recorded offsets cover each pair exactly once. Then the rater judges fresh comparisons
 * by its rule without voting, and a sequential test ({@link #JUDGING}) decides whether it prefers
 * the trained versions' answers to the SFT model's; {@code /api/stats} must show each new version's
 * win rate against the SFT baseline as voted; prints the vote-to-serving latency (p50/p95).
 *
 * <p>Runs in every {@code mvn verify} (4–8 minutes on two cores);
 * {@code -Drlhf.e2e.loop=false} skips it for a quick local run. Settings (system properties): {@code rlhf.e2e.loopMinutes}
 * (voting budget, default 8), {@code rlhf.e2e.loopVotes} (at most, default 400), {@code rlhf.e2e.maxWords},
 * {@code rlhf.e2e.afterPairs}, {@code rlhf.e2e.judgingMinutes}, {@code rlhf.e2e.votePauseMillis} (see the fields), and any
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
    static final Duration LOOP_BUDGET = Duration.ofMinutes(Integer.getInteger("rlhf.e2e.loopMinutes", 8));
    static final int MAX_VOTES = Integer.getInteger("rlhf.e2e.loopVotes", 400);
    /** The rater's hidden rule: prefer the shorter answer; an answer satisfies it with at most this many words. */
    static final int MAX_WORDS = Integer.getInteger("rlhf.e2e.maxWords", 5);
    /**
     * The versions measured: those trained on at least this many pairs (ten updates of four).
     * Offline, the versions trained on 24–36 pairs were still near the SFT model in some seeds
     * (docs/experiments/2026-11-loop.md); from 40 pairs on they were clearly shorter in every seed.
     */
    static final int AFTER_PAIRS = Integer.getInteger("rlhf.e2e.afterPairs", 40);
    /**
     * The rater's pause after each vote, as a person reading two answers would take: a rater
     * voting as fast as the answers come (~2 votes/s, nearly all decisive by this rule) outruns a
     * trainer that needs 5–15 s per version on two shared cores, and the queue, not the loop,
     * would then set the vote-to-serving latency.
     */
    static final Duration VOTE_PAUSE = Duration.ofMillis(Integer.getInteger("rlhf.e2e.votePauseMillis", 1000));
    /**
     * Whether the loop learned, decided on what the rater's rule defines: the share of decisive
     * comparisons between a version trained on ≥ {@link #AFTER_PAIRS} pairs and the SFT model in
     * which the rater prefers the trained version's answer. A loop that learned nothing wins half
     * (both sides are the same model, sampled with other seeds). Sized from the rates measured in
     * the judging phase on both vector widths (docs/loop.md): 75–100%, the lowest with 8-float
     * vectors. Computed exactly ({@code SequentialWinTestTest}): a loop that learned nothing passes
     * with probability 1.4e-3; a loop whose trained versions win 65% of those comparisons fails
     * with probability 7e-6, at 70% 3e-10 (at 60%: 3.5%). It needs ~49 decisive comparisons at a
     * 90% win rate, ~86 at 75%, ~173 at 65%, and judges about 2.4 comparisons per decisive one
     * (half pit the latest version against the SFT model), ~0.3 s each on two cores.
     */
    static final SequentialWinTest JUDGING = new SequentialWinTest(0.6, 0.001, 0.001, 600);
    /** Time the rater may take to judge; the binomial test decides on what it has when it runs out. */
    static final Duration JUDGING_BUDGET = Duration.ofMinutes(Integer.getInteger("rlhf.e2e.judgingMinutes", 6));

    static WholeStack stack;
    static RateCommand.Session rater;
    static final List<Vote> votes = new ArrayList<>();
    /** When a comparison answered by each version was first asked for: the version was serving then. */
    static final Map<String, Instant> firstServed = new HashMap<>();
    static String sftVersion;
    /** Pairs each version was trained on, cumulatively (its {@code trainedOn.votes}), as last read from the registry. */
    static final Map<String, Long> trainedOnPairs = new HashMap<>();
    static Instant trainerRestartedAt;
    static double loopSeconds;

    @BeforeAll
    static void raterAtTheStacksUrl() {
        stack = SharedStack.stack();
        rater = new RateCommand.Session(URI.create(stack.url()), RateCommand.Rule.parse("shorter", MAX_WORDS),
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
            if (served.size() >= 2 && servedAfterRestart && afterVersionServed()) break;
        }
        loopSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("[loop] %d votes (%d decisive) in %.0f s; new versions serving: %s; trainer restarted: %s%n",
                votes.size(), votes.stream().filter(LoopIT::isDecisive).count(), loopSeconds, newVersionsServed(), restarted);
        assertTrue(restarted, "the trainer was killed and restarted mid-stream (needs a first new version to serve)");
        assertTrue(newVersionsServed().size() >= 2, "at least two new versions answered comparisons: " + newVersionsServed()
                + " within " + LOOP_BUDGET + " and " + MAX_VOTES + " votes");
        assertTrue(afterVersionServed(), "a version trained on ≥ " + AFTER_PAIRS + " pairs answered comparisons within "
                + LOOP_BUDGET + " and " + MAX_VOTES + " votes: " + trainedOnPairs);
    }

    @Test
    @Order(3)
    void noVoteWasLostOrTrainedTwice() {
        // Gold comparisons (rlhf.inference.rater-checks.gold-share) check the rater and make no pair.
        Set<String> gold = read(Topics.GENERATIONS, GenerationEvent.class).stream().map(Record::value)
                .filter(g -> g.check() != null && g.check().gold()).map(GenerationEvent::comparisonId).collect(Collectors.toSet());
        Map<String, Vote> decisive = votes.stream().filter(LoopIT::isDecisive).filter(v -> !gold.contains(v.comparisonId()))
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

    /** What the voting did, per version: answers within the rule and words per answer (printed, not asserted). */
    @Test
    @Order(4)
    void theVotedAnswersPerVersion() {
        refreshTrainedOnPairs();
        Map<String, int[]> counts = rater.tally().counts();
        System.out.printf("[loop] answers of at most %d words, per version (in order served; pairs trained on):%n", MAX_WORDS);
        counts.forEach((version, c) -> System.out.printf(Locale.ROOT, "[loop]   %-6s %5.1f%% (%d/%d)  %s%n",
                version, 100.0 * c[1] / c[0], c[1], c[0], trainedOnPairs.getOrDefault(version, -1L)));
        List<String> afterVersions = afterVersions();
        WordStats before = wordStats(List.of(sftVersion));
        WordStats after = wordStats(afterVersions);
        System.out.printf(Locale.ROOT, "[loop] words per answer: SFT %.2f (sd %.2f, n %d) → versions trained on ≥ %d pairs %s %.2f (sd %.2f, n %d); "
                        + "%d votes, %d decisive%n", before.mean(), Math.sqrt(before.variance()), before.n(), AFTER_PAIRS, afterVersions,
                after.mean(), Math.sqrt(after.variance()), after.n(), votes.size(), votes.stream().filter(LoopIT::isDecisive).count());
        assertTrue(before.n() > 0, "the SFT model's answers were rated");
    }

    private record WordStats(int n, double mean, double variance) {}

    /** Words per answer over the rated answers these versions wrote. */
    private static WordStats wordStats(List<String> versions) {
        double[] words = votes.stream().flatMap(v -> v.answers().stream())
                .filter(a -> versions.contains(a.modelVersion()))
                .mapToDouble(a -> RaterRules.wordCount(a.text())).toArray();
        double mean = Arrays.stream(words).average().orElse(Double.NaN);
        double variance = Arrays.stream(words).map(w -> (w - mean) * (w - mean)).sum() / Math.max(1, words.length - 1);
        return new WordStats(words.length, mean, variance);
    }

    /**
     * The measure of the loop: the rater judges fresh comparisons by its rule without voting (the
     * versions stop changing, nothing is trained on them), the generation events say which version
     * wrote each answer, and {@link #JUDGING} decides over the decisive comparisons between a
     * version trained on ≥ {@link #AFTER_PAIRS} pairs and the SFT model.
     */
    @Test
    @Order(5)
    void theRaterPrefersTheTrainedVersionsAnswersToTheSftModels() {
        int wins = 0, losses = 0, judged = 0;
        Map<String, int[]> perVersion = new LinkedHashMap<>();
        SequentialWinTest.Decision decision = SequentialWinTest.Decision.UNDECIDED;
        long t0 = System.nanoTime();
        long deadline = t0 + JUDGING_BUDGET.toNanos();
        try (GenerationLog generations = new GenerationLog(stack.bootstrapServers())) {
            while (decision == SequentialWinTest.Decision.UNDECIDED && System.nanoTime() < deadline) {
                RateCommand.Judgement judgement = rater.judgeOne(message -> System.out.println("[judge] " + message));
                judged++;
                Map<String, String> versions = generations.versionsOf(judgement.comparisonId(), Duration.ofSeconds(30));
                String challengerSlot = versions.get("A").equals(sftVersion) ? "B" : "A";
                String challenger = versions.get(challengerSlot);
                String baseline = versions.get(challengerSlot.equals("A") ? "B" : "A");
                if (!baseline.equals(sftVersion) || challenger.equals(sftVersion) || !judgement.choice().matches("A|B")) continue;
                if (!trainedOnPairs.containsKey(challenger)) refreshTrainedOnPairs();   // cut by time while judging
                if (trainedOnPairs.getOrDefault(challenger, 0L) < AFTER_PAIRS) continue;
                boolean won = judgement.choice().equals(challengerSlot);
                int[] c = perVersion.computeIfAbsent(challenger, v -> new int[2]);
                c[0] += won ? 1 : 0;
                c[1]++;
                if (won) wins++;
                else losses++;
                decision = JUDGING.decide(wins, losses);
            }
        }
        if (decision == SequentialWinTest.Decision.UNDECIDED) decision = JUDGING.finish(wins, losses);
        perVersion.forEach((v, c) -> System.out.printf("[judge] version %s (trained on %d pairs) against the SFT model: preferred in %d of %d%n",
                v, trainedOnPairs.get(v), c[0], c[1]));
        System.out.printf(Locale.ROOT, "[judge] %s: the rater preferred the trained versions' answer in %d of %d decisive comparisons "
                        + "with the SFT model (%.0f%%), %d judged in %.0f s%n", decision, wins, wins + losses,
                100.0 * wins / Math.max(1, wins + losses), judged, (System.nanoTime() - t0) / 1e9);
        assertEquals(SequentialWinTest.Decision.LEARNED, decision, "the rater prefers the answers of the versions trained on ≥ "
                + AFTER_PAIRS + " pairs to the SFT model's: " + wins + " of " + (wins + losses) + " decisive comparisons");
    }

    @Test
    @Order(6)
    void theDashboardShowsNewVersionsWinRatesAgainstTheSftBaseline() throws Exception {
        Map<String, long[]> expected = againstBaseline();
        assertFalse(expected.isEmpty(), "some decisive votes were between a new version and the SFT baseline");

        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();
        Map<String, long[]> shown = Map.of();
        JsonNode stats = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {              // the statistics follow the votes within a commit interval
            stats = json.readTree(http.send(HttpRequest.newBuilder(URI.create(stack.url() + "/api/stats")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            shown = new LinkedHashMap<>();
            for (JsonNode version : stats.path("versions")) {
                JsonNode rate = version.path("winRateVsBaseline");
                if (rate.isObject()) shown.put(version.path("version").asText(), new long[] {rate.path("successes").asLong(), rate.path("trials").asLong()});
            }
            if (sameCounts(expected, shown)) break;
            sleep(1000);
        }
        assertEquals(sftVersion, stats.path("baselineVersion").asText(), "the baseline of /api/stats");
        long wins = 0, trials = 0;
        for (var e : expected.entrySet()) {
            System.out.printf(Locale.ROOT, "[loop] version %s against the SFT baseline: won %d of %d decisive votes%n",
                    e.getKey(), e.getValue()[0], e.getValue()[1]);
            if (afterVersions().contains(e.getKey())) {
                wins += e.getValue()[0];
                trials += e.getValue()[1];
            }
        }
        assertTrue(sameCounts(expected, shown), "win rates against the baseline on /api/stats (version → wins, trials): "
                + toString(shown) + ", expected from the votes cast " + toString(expected));
        System.out.printf(Locale.ROOT, "[loop] versions trained on ≥ %d pairs won %d of %d decisive votes against the SFT baseline%n",
                AFTER_PAIRS, wins, trials);
    }

    /**
     * What the rater saw: per new version, its wins and decisive votes against the SFT baseline
     * (the inference service pits the latest against the SFT model in half the comparisons).
     */
    private static Map<String, long[]> againstBaseline() {
        Map<String, long[]> counts = new LinkedHashMap<>();
        for (Vote vote : votes) {
            if (!isDecisive(vote) || vote.answers().size() != 2) continue;
            RatedAnswer a = vote.answers().get(0);
            RatedAnswer b = vote.answers().get(1);
            RatedAnswer challenger = a.modelVersion().equals(sftVersion) ? b : a;
            RatedAnswer baseline = challenger == a ? b : a;
            if (!baseline.modelVersion().equals(sftVersion) || challenger.modelVersion().equals(sftVersion)
                    || challenger.modelVersion().equals("?")) continue;
            long[] c = counts.computeIfAbsent(challenger.modelVersion(), v -> new long[2]);
            c[1]++;
            if (vote.choice().equals(challenger.slot())) c[0]++;
        }
        return counts;
    }

    private static boolean sameCounts(Map<String, long[]> expected, Map<String, long[]> shown) {
        return expected.entrySet().stream().allMatch(e -> shown.containsKey(e.getKey()) && Arrays.equals(e.getValue(), shown.get(e.getKey())));
    }

    private static String toString(Map<String, long[]> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + Arrays.toString(e.getValue())).collect(Collectors.joining(", ", "{", "}"));
    }

    @Test
    @Order(7)
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
        if (!votes.isEmpty()) sleep(VOTE_PAUSE.toMillis());
        Vote vote = rater.rateOne(message -> System.out.println("[rater] " + message));
        votes.add(vote);
        for (RatedAnswer answer : vote.answers()) firstServed.putIfAbsent(answer.modelVersion(), vote.requestedAt());
        System.out.printf("[rater] %3d %-8s %s%n", votes.size(), vote.choice(), vote.answers().stream()
                .map(a -> a.slot() + "=" + a.modelVersion() + (a.satisfiesRule() ? "+" : "-")).collect(Collectors.joining(" ")));
        return vote;
    }

    /** Whether a version trained on at least {@link #AFTER_PAIRS} pairs has answered (reads the registry). */
    private static boolean afterVersionServed() {
        refreshTrainedOnPairs();
        return !afterVersions().isEmpty();
    }

    /** Versions that answered and were trained on at least {@link #AFTER_PAIRS} pairs, in the order served. */
    private static List<String> afterVersions() {
        return newVersionsServed().stream().filter(v -> trainedOnPairs.getOrDefault(v, 0L) >= AFTER_PAIRS).toList();
    }

    private static void refreshTrainedOnPairs() {
        for (ModelVersion v : liveLine()) trainedOnPairs.put(v.versionId(), v.trainedOn().votes());
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
        List<Record<T>> records = new ArrayList<>();
        try (var consumer = GenerationLog.fromBeginning(stack.bootstrapServers(), topic)) {
            Set<TopicPartition> partitions = consumer.assignment();
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
