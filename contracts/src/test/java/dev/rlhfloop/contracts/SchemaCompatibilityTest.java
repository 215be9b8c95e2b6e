package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Events written at every released schema version must stay readable by every later reader, field for field. */
class SchemaCompatibilityTest {

    @Test
    void v1GenerationEventReads() {
        GenerationEvent e = Json.read(Fixtures.read("v1/generation-event.json"), GenerationEvent.class);
        assertEquals(new GenerationEvent(1, "gen-1", "cmp-1", Slot.A, "Name a farm animal.",
                new Answer(" A cow.", List.of(317, 9875, 13), "sft-0"),
                new Sampling(0.8, 40, 0.95, 64, 42), -3.25, Instant.parse("2026-11-29T12:00:00Z")), e);
        assertEquals("cmp-1", e.key());
    }

    @Test
    void v1EventsAndPairsHaveNoHistoryAndFirstTurnsWriteNone() {
        GenerationEvent e = Json.read(Fixtures.read("v1/generation-event.json"), GenerationEvent.class);
        assertEquals(List.of(), e.history());
        PreferencePair p = Json.read(Fixtures.read("v1/preference-pair.json"), PreferencePair.class);
        assertNull(p.history());
        // a first turn's records stay as a reader of schema 1 knows them
        assertTrue(!Json.writeString(e).contains("history") && !Json.writeString(p).contains("history"));
    }

    @Test
    void v2FollowUpsCarryTheirHistory() {
        GenerationEvent e = Json.read(Fixtures.read("v2/generation-event.json"), GenerationEvent.class);
        assertEquals(2, e.schemaVersion());
        assertEquals(List.of(new Turn("Name a farm animal.", "A cow.")), e.history());
        PreferencePair p = Json.read(Fixtures.read("v2/preference-pair.json"), PreferencePair.class);
        assertEquals(new PreferencePair.History(List.of(new Turn("Name a farm animal.", "A cow.")),
                List.of(new Turn("Name a farm animal.", "Blue."))), p.history());
    }

    @Test
    void v3AnswersSayHowTheyWereChosen() {
        GenerationEvent e = Json.read(Fixtures.read("v3/generation-event.json"), GenerationEvent.class);
        assertEquals(new Selection(Selection.Method.BEST_OF, 4, 42, "7", 1.5), e.selection());
        // the chosen candidate is the third: its seed is the event's own
        assertEquals(42 + 2 * 1_000_003L, e.sampling().seed());
        GenerationEvent older = Json.read(Fixtures.read("v2/generation-event.json"), GenerationEvent.class);
        assertNull(older.selection());
        assertTrue(!Json.writeString(older).contains("selection"), "an answer sampled once reads as schema 2 wrote it");
    }

    @Test
    void v1VoteEventReads() {
        VoteEvent e = Json.read(Fixtures.read("v1/vote-event.json"), VoteEvent.class);
        assertEquals(new VoteEvent(1, "5d0c2b1e-2f1c-3a47-9a0e-7d5f6f1b2c3d", "cmp-1", Choice.BOTH_BAD, "alice",
                "neither names an animal", Instant.parse("2026-11-29T12:00:05Z")), e);
    }

    @Test
    void v1ThumbsEventReadsAndAFirstTurnWritesNoHistory() {
        ThumbsEvent e = Json.read(Fixtures.read("v1/thumbs-event.json"), ThumbsEvent.class);
        assertEquals(new ThumbsEvent(1, "0b8a7d3e-5c4f-3e21-9d6b-2a1f0e9c8b7a", "cmp-1", Slot.B, "Name a farm animal.",
                new Answer(" Blue.", List.of(4518, 13), "sft-0"), List.of(), false, "alice", Instant.parse("2026-11-29T12:00:07Z")), e);
        assertEquals("cmp-1", e.key());
        assertTrue(!Json.writeString(e).contains("history"));
        assertEquals(ThumbsEvent.idFor("cmp-1", Slot.B, "alice"), ThumbsEvent.of(new GenerationEvent(1, "gen-1", "cmp-1", Slot.B,
                "Name a farm animal.", e.answer(), new Sampling(0.8, 40, 0.95, 64, 42), -1.0, Instant.EPOCH), true, "alice",
                Instant.EPOCH).thumbsId(), "one id per rater and answer, whatever the thumb");
        assertThrows(InvalidEventException.class, () -> Json.read("{\"comparisonId\": \"cmp-1\"}", ThumbsEvent.class));
    }

    @Test
    void v1PreferencePairReads() {
        PreferencePair p = Json.read(Fixtures.read("v1/preference-pair.json"), PreferencePair.class);
        assertEquals(new PreferencePair(1, "cmp-1", "Name a farm animal.",
                new Answer(" A cow.", List.of(317, 9875, 13), "dpo-1"),
                new Answer(" Blue.", List.of(4518, 13), "sft-0"),
                new PreferencePair.VoteRef("v-1", "alice", 2, 17, Instant.parse("2026-11-29T12:00:05Z"))), p);
    }

    @Test
    void v3PreferencePairFromAnImportHasItsSourceInsteadOfAVote() {
        PreferencePair p = Json.read("""
                {"schemaVersion": 3, "comparisonId": "import:i-1:7", "prompt": "Name a bird.",
                 "chosen": {"text": " An owl.", "tokenIds": [], "modelVersion": "import"},
                 "rejected": {"text": " A stone.", "tokenIds": [], "modelVersion": "import"},
                 "source": {"importId": "i-1", "name": "pairs.jsonl", "line": 7, "importedAt": "2026-12-06T09:00:00Z"}}
                """, PreferencePair.class);
        assertEquals(null, p.vote());
        assertEquals(null, p.rater());
        assertEquals(Instant.parse("2026-12-06T09:00:00Z"), p.at());
        assertEquals(new PreferencePair.Source("i-1", "pairs.jsonl", 7, Instant.parse("2026-12-06T09:00:00Z")), p.source());
    }

    @Test
    void aV1RaterIsNotForgottenAndForgettingRevokesAndDropsTheName() {
        Rater r = Json.read("""
                {"schemaVersion": 1, "raterId": "r-1", "name": "Ada", "inviteHash": "ab", "createdAt": "2026-12-01T00:00:00Z"}
                """, Rater.class);
        assertEquals(false, r.isForgotten());
        Rater forgotten = r.forgotten(Instant.parse("2026-12-06T09:00:00Z"));
        assertEquals(true, forgotten.isForgotten() && forgotten.isRevoked());
        assertEquals(null, forgotten.name());
        assertEquals("ab", forgotten.inviteHash(), "the invite stays refused");
        assertEquals(forgotten, Json.read(Json.writeString(forgotten), Rater.class));
    }

    @Test
    void v1ModelVersionReads() {
        ModelVersion v = Json.read(Fixtures.read("v1/model-version.json"), ModelVersion.class);
        assertEquals(new ModelVersion(1, "main-dpo-1", "main", "main-sft-0", Algorithm.DPO,
                new ModelVersion.TrainedOn(120, 96, Map.of("rlhf.preference-pairs:0", 40L, "rlhf.preference-pairs:1", 56L)),
                Map.of("dpo.loss", 0.61, "dpo.margin", 2.0),
                new ModelVersion.Weights("http://127.0.0.1:8083/api/weights/main-dpo-1",
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
                Instant.parse("2026-11-29T12:05:00Z")), v);
        assertNull(v.engine(), "a v1 version does not say which engine made it");
        assertNull(v.trainedOn().cut());
        assertNull(v.trainedOn().fromOffsets());
    }

    @Test
    void v2ModelVersionReadsItsRangeCutAndEngine() {
        ModelVersion v = Json.read(Fixtures.read("v2/model-version.json"), ModelVersion.class);
        assertEquals(2, v.schemaVersion());
        assertEquals(new ModelVersion.TrainedOn(96, 16,
                Map.of("rlhf.preference-pairs:0", 40L, "rlhf.preference-pairs:1", 29L, "rlhf.preference-pairs:2", 31L),
                Map.of("rlhf.preference-pairs:0", 34L, "rlhf.preference-pairs:1", 24L, "rlhf.preference-pairs:2", 26L),
                ModelVersion.Cut.TIME), v.trainedOn());
        assertEquals(new ModelVersion.Engine("0.1.0-SNAPSHOT", 16), v.engine());
        assertEquals(ModelVersion.Cut.OTHER, Json.read(Fixtures.read("v2/model-version.json").replace("\"TIME\"", "\"WEEKLY\""),
                ModelVersion.class).trainedOn().cut(), "a cut from a newer writer");
    }

    @Test
    void v5ModelVersionSaysHowMuchEachRatersPairsWeighed() {
        ModelVersion v = Json.read(Fixtures.read("v5/model-version.json"), ModelVersion.class);
        assertEquals(5, v.schemaVersion());
        assertEquals(Map.of("rater-a", 0.25, "rater-b", 1.0), v.trainedOn().raterWeights());
        assertEquals(v, Json.read(Json.writeString(v), ModelVersion.class));
        assertEquals(Map.of(), Json.read(Fixtures.read("v3/model-version.json"), ModelVersion.class).trainedOn().raterWeights(),
                "a version before schema 5 weighed every pair alike");
    }

    @Test
    void v6ModelVersionSaysItsRewardModelFollowsTheAnnouncement() {
        ModelVersion v = Json.read(Fixtures.read("v6/model-version.json"), ModelVersion.class);
        assertEquals(6, v.schemaVersion());
        assertEquals(ModelVersion.RewardModelState.TRAINING, v.rewardModel());
        assertTrue(v.rewardModelFollows());
        assertEquals(v, Json.read(Json.writeString(v), ModelVersion.class));
        ModelVersion published = v.withRewardModel(Map.of("rewardAccuracy", 0.75));
        assertEquals(ModelVersion.RewardModelState.PUBLISHED, published.rewardModel());
        assertFalse(published.rewardModelFollows());
        assertEquals(Map.of("pairs", 16.0, "dpoLoss", 0.58, "rewardAccuracy", 0.75), published.metrics());
        assertEquals(published, Json.read(Json.writeString(published), ModelVersion.class));
        ModelVersion older = Json.read(Fixtures.read("v5/model-version.json"), ModelVersion.class);
        assertNull(older.rewardModel(), "before schema 6 a version's reward model was published with its weights");
        assertFalse(older.rewardModelFollows());
        assertFalse(Json.writeString(older).contains("rewardModel"), "an entry that does not say writes nothing");
        assertEquals(ModelVersion.RewardModelState.OTHER, Json.read(Fixtures.read("v6/model-version.json").replace("\"TRAINING\"", "\"DISTILLING\""),
                ModelVersion.class).rewardModel(), "a state from a newer writer");
    }

    @Test
    void raterReliabilityStartsNeutralAndFallsToZeroAtChance() {
        assertEquals(1.0, RaterReliability.unchecked("new").weight(), 1e-12);
        assertEquals(0.75, RaterReliability.unchecked("new").reliability(), 1e-12);
        RaterReliability coin = RaterReliability.of("coin", 1000, 500);
        assertEquals(503.0 / 1004, coin.reliability(), 1e-12);
        assertEquals((2 * 503.0 / 1004 - 1) / 0.5, coin.weight(), 1e-12);
        assertEquals(0.0, RaterReliability.of("wrong", 10, 0).weight(), "worse than a coin weighs nothing");
        assertEquals((2 * 23.0 / 24 - 1) / 0.5, RaterReliability.of("right", 20, 20).weight(), 1e-12);
        RaterReliability r = RaterReliability.of("r", 7, 5);
        assertEquals(r, Json.read(Json.writeString(r), RaterReliability.class));
        assertThrows(InvalidEventException.class, () -> RaterReliability.of("r", 3, 4));
    }

    @Test
    void v3ModelVersionSaysItsWeightsAreAnAdapterOverItsBase() {
        ModelVersion v = Json.read(Fixtures.read("v3/model-version.json"), ModelVersion.class);
        assertEquals(3, v.schemaVersion());
        assertEquals(ModelVersion.Weights.adapter("http://127.0.0.1:8083/api/models/7/weights",
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "1"), v.weights());
        assertTrue(v.weights().isAdapter());
        ModelVersion older = Json.read(Fixtures.read("v2/model-version.json"), ModelVersion.class);
        assertEquals(ModelVersion.Format.FULL, older.weights().format(), "a version that does not say is whole weights");
        assertNull(older.weights().baseVersion());
        assertEquals(ModelVersion.Format.OTHER, Json.read(Fixtures.read("v3/model-version.json").replace("\"LORA\"", "\"IA3\""),
                ModelVersion.class).weights().format(), "a format from a newer writer");
        assertThrows(InvalidEventException.class, () -> Json.read(Fixtures.read("v3/model-version.json").replace(", \"baseVersion\": \"1\"", ""),
                ModelVersion.class), "an adapter must say what it adapts");
    }

    @Test
    void v1TrainingEventReads() {
        TrainingEvent t = Json.read(Fixtures.read("v1/training-event.json"), TrainingEvent.class);
        assertEquals(new TrainingEvent(1, "main", Algorithm.PRETRAIN, 50, 200, 4.5,
                Map.of("val.loss", 4.75, "tokens.per.second", 1500.0), "pretraining",
                Instant.parse("2026-11-29T11:00:00Z")), t);
    }

    @Test
    void everyFixtureSurvivesARoundTrip() {
        record Case(String file, Class<?> type) {}
        for (Case c : List.of(new Case("v1/generation-event.json", GenerationEvent.class),
                new Case("v1/vote-event.json", VoteEvent.class),
                new Case("v1/preference-pair.json", PreferencePair.class),
                new Case("v1/model-version.json", ModelVersion.class),
                new Case("v1/training-event.json", TrainingEvent.class),
                new Case("v2/model-version.json", ModelVersion.class),
                new Case("v2/generation-event.json", GenerationEvent.class),
                new Case("v2/preference-pair.json", PreferencePair.class),
                new Case("v3/model-version.json", ModelVersion.class),
                new Case("v3/generation-event.json", GenerationEvent.class),
                new Case("v6/model-version.json", ModelVersion.class))) {
            Object first = Json.read(Fixtures.read(c.file()), c.type());
            assertEquals(first, Json.read(Json.write(first), c.type()), c.file());
        }
    }

    @Test
    void fieldsFromANewerWriterAreIgnored() throws Exception {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(Fixtures.read("v1/vote-event.json"));
        json.put("schemaVersion", 7);
        json.put("confidence", 0.9);
        json.putObject("device").put("kind", "phone");
        VoteEvent e = Json.read(json.toString(), VoteEvent.class);
        assertEquals(7, e.schemaVersion());
        assertEquals(Choice.BOTH_BAD, e.choice());
    }

    @Test
    void anAlgorithmFromANewerWriterReadsAsOther() {
        String json = Fixtures.read("v1/model-version.json").replace("\"DPO\"", "\"SPPO\"");
        assertEquals(Algorithm.OTHER, Json.read(json, ModelVersion.class).algorithm());
    }

    @Test
    void anEventWithoutSchemaVersionIsVersionOne() {
        String json = Fixtures.read("v1/vote-event.json").replace("\"schemaVersion\": 1,", "");
        assertEquals(1, Json.read(json, VoteEvent.class).schemaVersion());
    }

    @Test
    void optionalFieldsMayBeAbsent() {
        VoteEvent e = Json.read("""
                {"voteId": "v", "comparisonId": "c", "choice": "TIE", "rater": "r", "createdAt": "2026-11-29T12:00:00Z"}""",
                VoteEvent.class);
        assertNull(e.reason());
        ModelVersion v = Json.read("""
                {"versionId": "sft-0", "modelLine": "main", "algorithm": "SFT",
                 "weights": {"url": "file:///w", "sha256": "%s"}, "createdAt": "2026-11-29T12:00:00Z"}"""
                .formatted("0".repeat(64)), ModelVersion.class);
        assertEquals(ModelVersion.TrainedOn.NOTHING, v.trainedOn());
        assertEquals(Map.of(), v.metrics());
        assertNull(v.parentVersion());
    }

    @Test
    void absentOptionalFieldsAreLeftOutWhenWritten() {
        VoteEvent e = VoteEvent.of("c", Choice.A, "r", null, Instant.parse("2026-11-29T12:00:00Z"));
        String json = Json.writeString(e);
        assertEquals(false, json.contains("reason"), json);
        assertEquals(true, json.contains("\"createdAt\":\"2026-11-29T12:00:00Z\""), json);
    }
}
