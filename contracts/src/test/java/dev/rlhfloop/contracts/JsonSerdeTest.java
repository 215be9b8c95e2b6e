package dev.rlhfloop.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class JsonSerdeTest {
    private final VoteEvent vote = VoteEvent.of("c1", Choice.TIE, "alice", "same", Instant.parse("2026-11-29T12:00:00Z"));

    @Test
    void aSerdeRoundTripsAnEvent() {
        JsonSerde<VoteEvent> serde = JsonSerde.of(VoteEvent.class);
        byte[] bytes = serde.serializer().serialize(Topics.VOTES, vote);
        assertEquals(vote, serde.deserializer().deserialize(Topics.VOTES, bytes));
    }

    @Test
    void aDeserializerConfiguredByClassNameReadsItsType() {
        Deserializer<VoteEvent> d = new JsonSerde.JsonDeserializer<>();
        d.configure(Map.of(JsonSerde.VALUE_TYPE_CONFIG, VoteEvent.class.getName()), false);
        assertEquals(vote, d.deserialize(Topics.VOTES, Json.write(vote)));
    }

    @Test
    void aDeserializerWithoutTypeSaysWhatIsMissing() {
        Deserializer<VoteEvent> d = new JsonSerde.JsonDeserializer<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.configure(Map.of(), true));
        assertEquals("JsonDeserializer needs rlhf.json.key.type naming the record class", e.getMessage());
    }

    @Test
    void tombstonesStayNull() {
        JsonSerde<ModelVersion> serde = JsonSerde.of(ModelVersion.class);
        assertNull(serde.serializer().serialize(Topics.MODEL_VERSIONS, null));
        assertNull(serde.deserializer().deserialize(Topics.MODEL_VERSIONS, null));
    }

    @Test
    void anUnreadableRecordNamesTheTopicAndTheProblem() {
        byte[] bad = "{\"voteId\": \"v\"}".getBytes(StandardCharsets.UTF_8);
        SerializationException e = assertThrows(SerializationException.class,
                () -> JsonSerde.of(VoteEvent.class).deserializer().deserialize(Topics.VOTES, bad));
        assertTrue(e.getMessage().startsWith("unreadable record on rlhf.votes: VoteEvent: comparisonId is missing"), e.getMessage());
    }
}
