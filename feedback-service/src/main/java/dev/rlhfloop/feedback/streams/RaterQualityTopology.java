package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.PreferencePair;
import dev.rlhfloop.contracts.RaterReliability;
import dev.rlhfloop.contracts.Topics;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The part of the topology that checks raters:
 * <pre>
 * judged votes ──► pair gate (store: pair-gate) ─┬─► preference pairs (no gold; shown twice: only when both agree) → rlhf.preference-pairs
 *                                                └─► gold right/wrong, agreements   (store: rater-quality)
 *                                                      └─► each changed rater's reliability → rlhf.rater-reliability (compacted)
 * </pre>
 */
public final class RaterQualityTopology {
    public static final String RATER_QUALITY_STORE = "rater-quality";
    /** How long a vote on a comparison shown to two raters waits for the second before it makes its pair alone. */
    public static final Duration SECOND_VOTE_WAIT = Duration.ofMinutes(30);

    private RaterQualityTopology() {}

    /** Writes the pairs of {@code judged} and the rater-quality store; returns the votes that count in the ratings (not gold). */
    static KStream<String, JudgedVote> pairs(StreamsBuilder builder, KStream<String, JudgedVote> judged, Duration secondVoteWait) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PairGate.STORE),
                Serdes.String(), JsonSerde.of(HeldVote.class)));
        KStream<String, GateOutcome> gated = judged.process(() -> new PairGate(secondVoteWait), PairGate.STORE);
        gated.flatMapValues(GateOutcome::pairs)
                .to(Topics.PREFERENCE_PAIRS, Produced.with(Serdes.String(), JsonSerde.of(PreferencePair.class)));
        gated.filter((comparisonId, outcome) -> outcome.note() != null)
                .map((comparisonId, outcome) -> KeyValue.pair(FeedbackTopology.ALL_VOTES, outcome.note()))
                .groupByKey(Grouped.with("rater-quality", Serdes.String(), JsonSerde.of(QualityNote.class)))
                .aggregate(() -> RaterQualityStats.NONE, (all, note, stats) -> stats.plus(note),
                        Materialized.<String, RaterQualityStats, KeyValueStore<Bytes, byte[]>>as(RATER_QUALITY_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(JsonSerde.of(RaterQualityStats.class)))
                .toStream()
                // every checked rater again on each change: a handful of small records, and the topic keeps the latest per rater
                .flatMap((all, stats) -> stats.reliability().stream().map(r -> KeyValue.pair(r.rater(), r)).toList())
                .to(Topics.RATER_RELIABILITY, Produced.with(Serdes.String(), JsonSerde.of(RaterReliability.class)));
        return judged.filterNot((comparisonId, vote) -> vote.gold());
    }
}
