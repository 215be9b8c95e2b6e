package dev.rlhfloop.feedback.streams;

import dev.rlhfloop.contracts.GenerationEvent;
import dev.rlhfloop.contracts.ThumbsEvent;
import dev.rlhfloop.contracts.VoteEvent;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Joins votes with the two answers of their comparison, in one store keyed by comparison id
 * (generations and votes share that key, hence a partition). Emits one {@link JudgedVote} per
 * counted vote as soon as both answers are known: a vote that comes first waits for them, and a
 * rater's second vote on the same comparison is dropped.
 */
final class ComparisonJoiner {
    private static final Logger LOG = Logger.getLogger(ComparisonJoiner.class);

    private ComparisonJoiner() {}

    private abstract static class Base<V> implements Processor<String, V, String, JudgedVote> {
        ProcessorContext<String, JudgedVote> context;
        KeyValueStore<String, ComparisonState> comparisons;

        @Override
        public void init(ProcessorContext<String, JudgedVote> context) {
            this.context = context;
            this.comparisons = context.getStateStore(FeedbackTopology.COMPARISONS_STORE);
        }

        ComparisonState stateOf(String comparisonId) {
            ComparisonState state = comparisons.get(comparisonId);
            return state == null ? ComparisonState.EMPTY : state;
        }

        void judge(ComparisonState state, List<CastVote> votes) {
            for (CastVote cast : votes) {
                long at = cast.vote().createdAt().toEpochMilli();
                context.forward(new Record<>(cast.vote().comparisonId(), new JudgedVote(cast, state.a(), state.b()), at));
            }
        }
    }

    static final class OnGeneration extends Base<GenerationEvent> {
        @Override
        public void process(Record<String, GenerationEvent> record) {
            GenerationEvent generation = record.value();
            if (generation == null) return;
            ComparisonState before = stateOf(generation.comparisonId());
            ComparisonState after = before.withAnswer(generation);
            if (after == before) return;
            comparisons.put(generation.comparisonId(), after);
            if (after.complete()) judge(after, List.copyOf(after.votesByRater().values()));
        }
    }

    static final class OnVote extends Base<VoteEvent> {
        @Override
        public void process(Record<String, VoteEvent> record) {
            VoteEvent vote = record.value();
            if (vote == null) return;
            ComparisonState before = stateOf(vote.comparisonId());
            if (before.hasVoteFrom(vote.rater())) {
                LOG.debugf("repeated vote of %s on comparison %s ignored", vote.rater(), vote.comparisonId());
                return;
            }
            RecordMetadata where = context.recordMetadata().orElseThrow();
            CastVote cast = new CastVote(vote, where.partition(), where.offset());
            ComparisonState after = before.withVote(cast);
            comparisons.put(vote.comparisonId(), after);
            if (after.complete()) judge(after, List.of(cast));
        }
    }

    /** Records each rater's first thumbs on an answer, so the API can answer a repeat as one (no output: the trainer reads the thumbs topic itself). */
    static final class OnThumbs extends Base<ThumbsEvent> {
        @Override
        public void process(Record<String, ThumbsEvent> record) {
            ThumbsEvent thumbs = record.value();
            if (thumbs == null) return;
            ComparisonState before = stateOf(thumbs.comparisonId());
            ComparisonState after = before.withThumbs(thumbs);
            if (after != before) comparisons.put(thumbs.comparisonId(), after);
        }
    }
}
