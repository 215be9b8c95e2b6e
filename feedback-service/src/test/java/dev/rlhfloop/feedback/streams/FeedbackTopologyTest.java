package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.api.Stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Algorithm;
import dev.rlhfloop.contracts.Answer;
import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.Sampling;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology in-process, record by record (the real-broker test is FeedbackServiceKafkaTest). */
class FeedbackTopologyTest {
    private static final Instant T0 = Instant.parse("2026-11-29T12:00:00Z");

    private TopologyTestDriver driver;
    private TestInputTopic<String, GenerationEvent> generations;
    private TestInputTopic<String, VoteEvent> votes;
    private TestInputTopic<String, byte[]> rawVotes;
    private TestInputTopic<String, ModelVersion> modelVersions;
    private TestOutputTopic<String, PreferencePair> pairs;
    private Path stateDir;

    @BeforeEach
    void start() throws Exception {
        stateDir = Files.createTempDirectory("feedback-topology-test");
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "feedback-topology-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        config.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        driver = new TopologyTestDriver(FeedbackTopology.build(), config);
        generations = driver.createInputTopic(Topics.GENERATIONS, Serdes.String().serializer(), JsonSerde.of(GenerationEvent.class).serializer());
        votes = driver.createInputTopic(Topics.VOTES, Serdes.String().serializer(), JsonSerde.of(VoteEvent.class).serializer());
        rawVotes = driver.createInputTopic(Topics.VOTES, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        modelVersions = driver.createInputTopic(Topics.MODEL_VERSIONS, Serdes.String().serializer(), JsonSerde.of(ModelVersion.class).serializer());
        pairs = driver.createOutputTopic(Topics.PREFERENCE_PAIRS, Serdes.String().deserializer(), JsonSerde.of(PreferencePair.class).deserializer());
    }

    @AfterEach
    void stop() throws Exception {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static GenerationEvent generation(String comparisonId, Slot slot, String version, String text) {
        return new GenerationEvent(1, comparisonId + "-" + slot, comparisonId, slot, "Name a farm animal.",
                new Answer(text, List.of(text.length(), 7), version), new Sampling(0.8, 40, 0.95, 32, 42), -2.5, T0);
    }

    private void answer(String comparisonId, String versionA, String versionB) {
        generations.pipeInput(comparisonId, generation(comparisonId, Slot.A, versionA, "cow from " + versionA));
        generations.pipeInput(comparisonId, generation(comparisonId, Slot.B, versionB, "sky from " + versionB));
    }

    private void vote(String comparisonId, Choice choice, String rater) {
        VoteEvent vote = VoteEvent.of(comparisonId, choice, rater, null, T0.plusSeconds(30));
        votes.pipeInput(comparisonId, vote, vote.createdAt());
    }

    private VersionStats stats(String version) {
        KeyValueStore<String, ValueAndTimestamp<VersionStats>> store = driver.getTimestampedKeyValueStore(FeedbackTopology.VERSION_STATS_STORE);
        ValueAndTimestamp<VersionStats> v = store.get(version);
        return v == null ? null : v.value();
    }

    @Test
    void aVoteForAChoosesAnswerA() {
        answer("c1", "sft-0", "dpo-1");
        vote("c1", Choice.A, "alice");
        PreferencePair pair = pairs.readValue();
        assertEquals("cow from sft-0", pair.chosen().text());
        assertEquals("sft-0", pair.chosen().modelVersion());
        assertEquals("sky from dpo-1", pair.rejected().text());
        assertEquals("Name a farm animal.", pair.prompt());
        assertEquals(VoteEvent.idFor("c1", "alice"), pair.vote().voteId());
        assertEquals("alice", pair.vote().rater());
        assertEquals(0, pair.vote().offset());
        assertEquals(T0.plusSeconds(30), pair.vote().votedAt());
        assertTrue(pairs.isEmpty());
    }

    @Test
    void aFollowUpsPairCarriesEachSidesEarlierTurns() {
        answer("c0", "sft-0", "dpo-1");
        vote("c0", Choice.A, "alice");
        assertNull(pairs.readValue().history(), "a first turn's pair has no history");
        List<dev.rlhfloop.contracts.Turn> sideA = List.of(new dev.rlhfloop.contracts.Turn("Name a farm animal.", "cow from sft-0"));
        List<dev.rlhfloop.contracts.Turn> sideB = List.of(new dev.rlhfloop.contracts.Turn("Name a farm animal.", "sky from dpo-1"));
        for (Slot slot : List.of(Slot.A, Slot.B)) {
            GenerationEvent first = generation("c1", slot, slot == Slot.A ? "sft-0" : "dpo-1", slot == Slot.A ? "a pig" : "a hen");
            generations.pipeInput("c1", new GenerationEvent(1, first.generationId(), "c1", slot, "And another?", first.answer(),
                    first.sampling(), first.sequenceLogProb(), T0, slot == Slot.A ? sideA : sideB));
        }
        vote("c1", Choice.B, "alice");
        PreferencePair pair = pairs.readValue();
        assertEquals("And another?", pair.prompt());
        assertEquals("a hen", pair.chosen().text());
        assertEquals(sideB, pair.history().chosen(), "the chosen answer's own conversation");
        assertEquals(sideA, pair.history().rejected());
    }

    @Test
    void aVoteForBChoosesAnswerBAndCarriesItsOffset() {
        answer("c0", "sft-0", "sft-0");
        vote("c0", Choice.TIE, "alice");
        answer("c1", "sft-0", "dpo-1");
        vote("c1", Choice.B, "alice");
        PreferencePair pair = pairs.readValue();
        assertEquals("sky from dpo-1", pair.chosen().text());
        assertEquals("cow from sft-0", pair.rejected().text());
        assertEquals(1, pair.vote().offset());
    }

    @Test
    void tiesAndBothBadMakeNoPairButCount() {
        answer("c1", "sft-0", "dpo-1");
        vote("c1", Choice.TIE, "alice");
        vote("c1", Choice.BOTH_BAD, "bob");
        assertTrue(pairs.isEmpty());
        VersionStats dpo = stats("dpo-1");
        assertEquals(2, dpo.votes());
        assertEquals(new HeadToHead(0, 0, 1, 1), dpo.against("sft-0"));
    }

    @Test
    void aVoteThatArrivesBeforeTheAnswersWaitsForThem() {
        vote("c1", Choice.B, "alice");
        generations.pipeInput("c1", generation("c1", Slot.B, "dpo-1", "sky"));
        assertTrue(pairs.isEmpty());
        assertNull(stats("dpo-1"));
        generations.pipeInput("c1", generation("c1", Slot.A, "sft-0", "cow"));
        PreferencePair pair = pairs.readValue();
        assertEquals("sky", pair.chosen().text());
        assertEquals(0, pair.vote().offset());
        assertEquals(1, stats("dpo-1").votes());
    }

    @Test
    void aRaterVotingTwiceOnOneComparisonCountsOnce() {
        answer("c1", "sft-0", "dpo-1");
        vote("c1", Choice.B, "alice");
        vote("c1", Choice.A, "alice");
        vote("c1", Choice.B, "alice");
        vote("c1", Choice.A, "bob");
        List<PreferencePair> out = pairs.readValuesToList();
        assertEquals(List.of("alice", "bob"), out.stream().map(p -> p.vote().rater()).toList());
        assertEquals(new HeadToHead(1, 1, 0, 0), stats("dpo-1").against("sft-0"));
        assertEquals(2, stats("dpo-1").votes());
    }

    @Test
    void aRepeatedAnswerDoesNotJudgeVotesAgain() {
        answer("c1", "sft-0", "dpo-1");
        vote("c1", Choice.A, "alice");
        answer("c1", "sft-0", "dpo-1");
        assertEquals(1, pairs.readValuesToList().size());
        assertEquals(1, stats("sft-0").votes());
    }

    @Test
    void aComparisonOfOneVersionWithItselfCountsOneVoteAWinAndALoss() {
        answer("c1", "sft-0", "sft-0");
        vote("c1", Choice.A, "alice");
        VersionStats sft = stats("sft-0");
        assertEquals(1, sft.votes());
        assertEquals(new HeadToHead(1, 1, 0, 0), sft.against("sft-0"));
    }

    @Test
    void statisticsGiveTheWinRateAgainstTheSftBaseline() {
        modelVersions.pipeInput("sft-0", version("sft-0", Algorithm.SFT, T0));
        modelVersions.pipeInput("dpo-1", version("dpo-1", Algorithm.DPO, T0.plusSeconds(60)));
        for (int i = 0; i < 10; i++) {
            answer("c" + i, i % 2 == 0 ? "dpo-1" : "sft-0", i % 2 == 0 ? "sft-0" : "dpo-1");
            Choice forDpo = i % 2 == 0 ? Choice.A : Choice.B;
            Choice forSft = i % 2 == 0 ? Choice.B : Choice.A;
            vote("c" + i, i < 8 ? forDpo : i == 8 ? forSft : Choice.TIE, "alice");
        }
        KeyValueStore<String, ValueAndTimestamp<ModelVersion>> registry = driver.getTimestampedKeyValueStore(FeedbackTopology.MODEL_VERSIONS_STORE);
        List<ModelVersion> published = new ArrayList<>();
        try (KeyValueIterator<String, ValueAndTimestamp<ModelVersion>> it = registry.all()) {
            it.forEachRemaining(kv -> published.add(kv.value.value()));
        }
        String baseline = StatsReport.baseline(Optional.empty(), published);
        assertEquals("sft-0", baseline);

        Stats report = StatsReport.of(VoteTotals.NONE, Map.of("dpo-1", stats("dpo-1"), "sft-0", stats("sft-0")), baseline, List.of());
        Stats.Version dpo = report.versions().get(0);
        assertEquals("dpo-1", dpo.version());
        assertEquals(10, dpo.votes());
        assertEquals(8, dpo.wins());
        assertEquals(1, dpo.losses());
        assertEquals(1, dpo.ties());
        assertEquals(0.1, dpo.tieRate(), 1e-12);
        Stats.WinRate rate = dpo.winRateVsBaseline();
        assertNotNull(rate);
        assertEquals(8.0 / 9, rate.rate(), 1e-12);
        assertEquals(9, rate.trials());
        assertTrue(rate.low() > 0.5 && rate.low() < 8.0 / 9 && rate.high() < 1, rate.toString());
        assertNull(report.versions().get(1).winRateVsBaseline(), "the baseline never met itself");
    }

    @Test
    void votesAreCountedPerMinute() {
        answer("c1", "sft-0", "dpo-1");
        answer("c2", "sft-0", "dpo-1");
        answer("c3", "sft-0", "dpo-1");
        votes.pipeInput("c1", VoteEvent.of("c1", Choice.A, "alice", null, T0.plusSeconds(5)), T0.plusSeconds(5));
        votes.pipeInput("c2", VoteEvent.of("c2", Choice.TIE, "alice", null, T0.plusSeconds(50)), T0.plusSeconds(50));
        votes.pipeInput("c3", VoteEvent.of("c3", Choice.B, "alice", null, T0.plusSeconds(70)), T0.plusSeconds(70));
        WindowStore<String, Long> perMinute = driver.getWindowStore(FeedbackTopology.VOTES_PER_MINUTE_STORE);
        List<KeyValue<Long, Long>> counts = new ArrayList<>();
        try (WindowStoreIterator<Long> it = perMinute.fetch(FeedbackTopology.ALL_VOTES, T0.minusSeconds(60), T0.plusSeconds(120))) {
            it.forEachRemaining(counts::add);
        }
        assertEquals(List.of(KeyValue.pair(T0.toEpochMilli(), 2L), KeyValue.pair(T0.plusSeconds(60).toEpochMilli(), 1L)), counts);
    }

    @Test
    void allTimeTotalsCountEachVoteAndRaterOnce() {
        answer("c1", "sft-0", "dpo-1");
        answer("c2", "sft-0", "dpo-1");
        answer("c3", "dpo-1", "dpo-1");
        vote("c1", Choice.A, "alice");
        vote("c1", Choice.B, "alice");   // a repeat: dropped
        vote("c1", Choice.B, "bob");
        vote("c2", Choice.TIE, "alice");
        vote("c3", Choice.BOTH_BAD, "carol");
        KeyValueStore<String, VoteTotals> totals = driver.getKeyValueStore(FeedbackTopology.VOTE_TOTALS_STORE);
        VoteTotals all = totals.get(FeedbackTopology.ALL_VOTES);
        assertEquals(4, all.votes());
        assertEquals(2, all.decisiveVotes());
        assertEquals(java.util.Set.of("alice", "bob", "carol"), all.raters());
        assertEquals(new Stats.Totals(4, 2, 3), StatsReport.totals(all));
    }

    @Test
    void anUnreadableVoteIsSkippedAndTheNextOneCounts() {
        answer("c1", "sft-0", "dpo-1");
        rawVotes.pipeInput("c1", "{\"choice\": \"MAYBE\"}".getBytes());
        rawVotes.pipeInput("c1", "not json".getBytes());
        vote("c1", Choice.A, "alice");
        PreferencePair pair = pairs.readValue();
        assertEquals(2, pair.vote().offset());
    }

    static ModelVersion version(String id, Algorithm algorithm, Instant createdAt) {
        return new ModelVersion(1, id, "main", null, algorithm, null, null,
                new ModelVersion.Weights("file:///" + id, "0".repeat(64)), createdAt);
    }
}
