package dev.rlhfloop.feedback.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rlhfloop.contracts.Choice;
import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.RaterCheck;
import dev.rlhfloop.contracts.Slot;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pair gate in-process, where wall-clock time can be advanced (the real-broker test is RaterQualityKafkaTest). */
class PairGateTest {
    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
    private static final Duration WAIT = Duration.ofMinutes(30);

    private TopologyTestDriver driver;
    private TestInputTopic<String, GenerationEvent> generations;
    private TestInputTopic<String, VoteEvent> votes;
    private TestOutputTopic<String, PreferencePair> pairs;
    private Path stateDir;

    @BeforeEach
    void start() throws Exception {
        stateDir = Files.createTempDirectory("pair-gate-test");
        driver = FeedbackTopologyTest.driver(FeedbackTopology.build(WAIT), stateDir, T0);
        generations = driver.createInputTopic(Topics.GENERATIONS, Serdes.String().serializer(), JsonSerde.of(GenerationEvent.class).serializer());
        votes = driver.createInputTopic(Topics.VOTES, Serdes.String().serializer(), JsonSerde.of(VoteEvent.class).serializer());
        pairs = driver.createOutputTopic(Topics.PREFERENCE_PAIRS, Serdes.String().deserializer(), JsonSerde.of(PreferencePair.class).deserializer());
    }

    @AfterEach
    void stop() throws Exception {
        FeedbackTopologyTest.close(driver, stateDir);
    }

    private void shownTwice(String comparisonId) {
        for (Slot slot : Slot.values()) {
            generations.pipeInput(comparisonId, FeedbackTopologyTest.generation(comparisonId, slot, "v2", slot + " answer")
                    .withCheck(RaterCheck.SECOND_RATER));
        }
    }

    private void vote(String comparisonId, Choice choice, String rater) {
        VoteEvent vote = VoteEvent.of(comparisonId, choice, rater, null, T0);
        votes.pipeInput(comparisonId, vote, vote.createdAt());
    }

    private RaterQualityStats quality() {
        var v = driver.<String, RaterQualityStats>getTimestampedKeyValueStore(
                RaterQualityTopology.RATER_QUALITY_STORE).get(FeedbackTopology.ALL_VOTES);
        return v == null ? RaterQualityStats.NONE : v.value();
    }

    @Test
    void aFirstVoteWaitsForTheSecondAndAgreeingVotesMakeBothPairs() {
        shownTwice("c1");
        vote("c1", Choice.A, "ann");
        assertTrue(pairs.isEmpty(), "held until the second vote");
        vote("c1", Choice.A, "bob");
        List<PreferencePair> out = pairs.readValuesToList();
        assertEquals(List.of("ann", "bob"), out.stream().map(p -> p.vote().rater()).toList());
        assertEquals("A answer", out.get(0).chosen().text());
        vote("c1", Choice.A, "cid");
        assertTrue(pairs.isEmpty(), "a third vote makes no pair");
        assertEquals(1, quality().overall().total(), "nor a note");
    }

    @Test
    void aSplitMakesNoPair() {
        shownTwice("c1");
        vote("c1", Choice.A, "ann");
        vote("c1", Choice.B, "bob");
        assertTrue(pairs.isEmpty());
        RaterQualityStats.PairConfusion pair = quality().pairs().get(0);
        assertEquals(List.of("ann", "bob"), List.of(pair.raterA(), pair.raterB()));
        assertEquals(1, pair.choices().total());
        assertEquals(0, pair.choices().agreed());
    }

    @Test
    void aFirstVoteAloneAfterTheWaitMakesItsPairAndALateSecondOnlyCountsForAgreement() {
        shownTwice("c1");
        vote("c1", Choice.B, "ann");
        driver.advanceWallClockTime(WAIT.minusSeconds(20));
        assertTrue(pairs.isEmpty());
        driver.advanceWallClockTime(Duration.ofSeconds(30));
        List<PreferencePair> out = pairs.readValuesToList();
        assertEquals(1, out.size());
        assertEquals("B answer", out.get(0).chosen().text());
        driver.advanceWallClockTime(WAIT);
        assertTrue(pairs.isEmpty(), "released once");
        vote("c1", Choice.B, "bob");
        assertTrue(pairs.isEmpty());
        assertEquals(1, quality().overall().agreed());
    }

    @Test
    void goldVotesMakeNoPairAndCountPerRater() {
        for (Slot slot : Slot.values()) {
            generations.pipeInput("g1", FeedbackTopologyTest.generation("g1", slot, "v2", slot + " answer")
                    .withCheck(RaterCheck.gold(slot == Slot.B)));
        }
        vote("g1", Choice.B, "ann");
        vote("g1", Choice.BOTH_BAD, "bob");
        assertTrue(pairs.isEmpty());
        assertEquals(new RaterQualityStats.GoldCount(1, 1), quality().gold().get("ann"));
        assertEquals(new RaterQualityStats.GoldCount(1, 0), quality().gold().get("bob"));
        assertNull(driver.getKeyValueStore(FeedbackTopology.VERSION_STATS_STORE).get("v2"), "no rating");
    }

    @Test
    void kappaOfAHandComputedCase() {
        // rows: first rater, columns: second; 4 of 6 agree, chance (3·3 + 2·2 + 1·1)/36 → kappa 10/22
        RaterQualityStats stats = RaterQualityStats.NONE;
        Choice[][] votes = {{Choice.A, Choice.A}, {Choice.A, Choice.A}, {Choice.B, Choice.B}, {Choice.A, Choice.B},
                {Choice.B, Choice.A}, {Choice.TIE, Choice.TIE}};
        for (Choice[] v : votes) {
            stats = stats.plus(new QualityNote(null, new QualityNote.Agreement("zed", v[0], "amy", v[1])));
        }
        assertEquals(10.0 / 22, stats.overall().kappa(), 1e-12);
        // per pair the rater first by name is the row: the transposed table has the same kappa
        assertEquals("amy", stats.pairs().get(0).raterA());
        assertEquals(10.0 / 22, stats.pairs().get(0).choices().kappa(), 1e-12);
        // perfect agreement on one category only: chance agreement is 1, kappa undefined
        RaterQualityStats same = RaterQualityStats.NONE.plus(new QualityNote(null, new QualityNote.Agreement("a", Choice.A, "b", Choice.A)));
        assertNull(same.overall().kappa());
    }
}
