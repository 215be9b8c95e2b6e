package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.JsonSerde;
import dev.rlhfloop.contracts.ModelVersion;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.Topics;
import dev.rlhfloop.contracts.VoteEvent;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The feedback service's stream processing, in one place:
 * <pre>
 * generations ─┐
 *              ├─► join per comparison ──► judged votes ─┬─► preference pairs (A/B votes)      → rlhf.preference-pairs
 * votes ───────┤   (store: comparisons)                  ├─► per-version outcomes, by version, gold votes left out (store: version-stats)
 * thumbs ──────┘   (and each rater's first thumbs per    ├─► votes per minute                   (store: votes-per-minute)
 *                   answer, for the thumbs API; the      ├─► all-time totals: votes, raters, gold votes left out (store: vote-totals)
 *                   trainer reads rlhf.thumbs itself)    └─► each rater's share of all the above (store: rater-shares),
 *                                                            taken out again when the rater is forgotten
 * model versions ──► global table (store: model-versions), to find the SFT baseline
 * </pre>
 * Every store is backed by a changelog topic, so statistics survive a restart and are rebuilt from Kafka.
 */
public final class FeedbackTopology {
    public static final String COMPARISONS_STORE = "comparisons";
    public static final String VERSION_STATS_STORE = "version-stats";
    public static final String VOTES_PER_MINUTE_STORE = "votes-per-minute";
    public static final String MODEL_VERSIONS_STORE = "model-versions";
    public static final String VOTE_TOTALS_STORE = "vote-totals";
    public static final String RATER_SHARES_STORE = "rater-shares";
    /** The single key under which all votes are counted per minute. */
    public static final String ALL_VOTES = "all";
    public static final Duration MINUTE = Duration.ofMinutes(1);

    private FeedbackTopology() {}

    public static Topology build() {
        return build(RaterQualityTopology.SECOND_VOTE_WAIT);
    }

    /** @param secondVoteWait how long a vote on a comparison shown to two raters waits for the other one */
    public static Topology build(Duration secondVoteWait) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COMPARISONS_STORE),
                Serdes.String(), JsonSerde.of(ComparisonState.class)));

        KStream<String, JudgedVote> fromGenerations = builder
                .stream(Topics.GENERATIONS, Consumed.with(Serdes.String(), JsonSerde.of(GenerationEvent.class)))
                .process(ComparisonJoiner.OnGeneration::new, COMPARISONS_STORE);
        KStream<String, JudgedVote> fromVotes = builder
                .stream(Topics.VOTES, Consumed.with(Serdes.String(), JsonSerde.of(VoteEvent.class)))
                .process(ComparisonJoiner.OnVote::new, COMPARISONS_STORE);
        KStream<String, JudgedVote> judged = fromGenerations.merge(fromVotes);
        builder.stream(Topics.THUMBS, Consumed.with(Serdes.String(), JsonSerde.of(ThumbsEvent.class)))
                .process(ComparisonJoiner.OnThumbs::new, COMPARISONS_STORE);

        KStream<String, JudgedVote> rated = RaterQualityTopology.pairs(builder, judged, secondVoteWait);

        rated.flatMap((comparisonId, vote) -> vote.participations())
                .groupByKey(Grouped.with("by-version", Serdes.String(), JsonSerde.of(Participation.class)))
                .aggregate(() -> VersionStats.NONE, (version, participation, stats) -> stats.plus(participation),
                        Materialized.<String, VersionStats, KeyValueStore<Bytes, byte[]>>as(VERSION_STATS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(JsonSerde.of(VersionStats.class)));

        judged.map((comparisonId, vote) -> KeyValue.pair(ALL_VOTES, vote.cast().vote().choice().name()))
                .groupByKey(Grouped.with("all-votes", Serdes.String(), Serdes.String()))
                .windowedBy(TimeWindows.ofSizeAndGrace(MINUTE, Duration.ofMinutes(5)))
                .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(VOTES_PER_MINUTE_STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.Long())
                        .withRetention(Duration.ofDays(1)));

        rated.map((comparisonId, vote) -> KeyValue.pair(ALL_VOTES, vote.cast()))
                .groupByKey(Grouped.with("vote-totals", Serdes.String(), JsonSerde.of(CastVote.class)))
                .aggregate(() -> VoteTotals.NONE, (all, vote, totals) -> totals.plus(vote),
                        Materialized.<String, VoteTotals, KeyValueStore<Bytes, byte[]>>as(VOTE_TOTALS_STORE)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(JsonSerde.of(VoteTotals.class)));

        judged.map((comparisonId, vote) -> KeyValue.pair(vote.cast().vote().rater(), RaterShare.of(vote)))
                .groupByKey(Grouped.with("by-rater", Serdes.String(), JsonSerde.of(RaterShare.class)))
                .reduce(RaterShare::plus, Materialized.<String, RaterShare, KeyValueStore<Bytes, byte[]>>as(RATER_SHARES_STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(JsonSerde.of(RaterShare.class)));

        builder.globalTable(Topics.MODEL_VERSIONS, Consumed.with(Serdes.String(), JsonSerde.of(ModelVersion.class)),
                Materialized.<String, ModelVersion, KeyValueStore<Bytes, byte[]>>as(MODEL_VERSIONS_STORE)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(JsonSerde.of(ModelVersion.class)));
        return builder.build();
    }
}
