package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An event that exists is complete; an incomplete one is refused with every problem named. */
class ValidationTest {
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void aVoteNamesEveryMissingField() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> new VoteEvent(1, "v", " ", null, null, null, NOW));
        assertEquals("VoteEvent: comparisonId is missing; choice is missing; rater is missing", e.getMessage());
    }

    @Test
    void readingAnIncompleteEventGivesTheSameMessage() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> Json.read("{\"voteId\": \"v\", \"choice\": \"A\", \"rater\": \"r\", \"createdAt\": \"2026-11-29T12:00:00Z\"}",
                        VoteEvent.class));
        assertEquals("VoteEvent: comparisonId is missing", e.getMessage());
    }

    @Test
    void anUnknownChoiceIsRefused() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> Json.read("{\"voteId\": \"v\", \"comparisonId\": \"c\", \"choice\": \"C\", \"rater\": \"r\"}", VoteEvent.class));
        assertTrue(e.getMessage().startsWith("VoteEvent: malformed JSON:"), e.getMessage());
        assertTrue(e.getMessage().contains("\"C\""), e.getMessage());
    }

    @Test
    void brokenJsonIsRefusedWithAShortReason() {
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> Json.read("{\"voteId\": ", VoteEvent.class));
        assertTrue(e.getMessage().startsWith("VoteEvent: malformed JSON:"), e.getMessage());
    }

    @Test
    void samplingSettingsAreChecked() {
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> new Sampling(-1, -2, 0, 0, 1));
        assertEquals("Sampling: temperature must be >= 0, was -1.0; topK must be >= 0, was -2; "
                + "topP must be in (0, 1], was 0.0; maxNewTokens must be > 0, was 0", e.getMessage());
    }

    @Test
    void aGenerationNeedsItsLogProbToBeALogProb() {
        Answer answer = new Answer("x", List.of(1), "v0");
        Sampling sampling = new Sampling(1, 0, 1, 8, 1);
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> new GenerationEvent(1, "g", "c", Slot.A, "p", answer, sampling, Double.NaN, NOW));
        assertEquals("GenerationEvent: sequenceLogProb must be <= 0, was NaN", e.getMessage());
    }

    @Test
    void weightsNeedARealSha256() {
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> new ModelVersion.Weights("file:///w", "abc"));
        assertEquals("ModelVersion.weights: sha256 must be 64 hex digits, was abc", e.getMessage());
    }

    @Test
    void trainingStepsCannotRunPastTheTotal() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> new TrainingEvent(1, "main", Algorithm.SFT, 11, 10, 1.0, null, null, NOW));
        assertEquals("TrainingEvent: step 11 is past totalSteps 10", e.getMessage());
    }

    @Test
    void aPairNeedsTheVoteItCameFrom() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> new PreferencePair.VoteRef("v", "r", -1, 3, NOW));
        assertEquals("PreferencePair.vote: partition must be >= 0, was -1", e.getMessage());
    }

    @Test
    void theSameRaterOnTheSameComparisonGetsTheSameVoteId() {
        assertEquals(VoteEvent.idFor("c1", "alice"), VoteEvent.of("c1", Choice.A, "alice", null, NOW).voteId());
        assertEquals(VoteEvent.idFor("c1", "alice"), VoteEvent.of("c1", Choice.B, "alice", "changed my mind", NOW).voteId());
        assertNotEquals(VoteEvent.idFor("c1", "alice"), VoteEvent.idFor("c1", "bob"));
        assertNotEquals(VoteEvent.idFor("c1", "alice"), VoteEvent.idFor("c2", "alice"));
        // the separator keeps ("ab", "c") and ("a", "bc") apart
        assertNotEquals(VoteEvent.idFor("ab", "c"), VoteEvent.idFor("a", "bc"));
    }

    @Test
    void tokenIdsCannotBeChangedAfterTheFact() {
        java.util.ArrayList<Integer> ids = new java.util.ArrayList<>(List.of(1, 2));
        Answer a = new Answer("x", ids, "v0");
        ids.add(3);
        assertEquals(List.of(1, 2), a.tokenIds());
        assertEquals(2, a.tokenArray().length);
    }
}
