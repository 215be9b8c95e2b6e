package dev.rlhfloop.feedback.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Decides which judged votes become preference pairs, and notes what they say about the raters:
 * <ul>
 * <li>a vote on a gold comparison makes no pair; it is noted as right or wrong for its rater;</li>
 * <li>a vote on a comparison shown to two raters is held: when the second rater's vote comes, both
 * votes make their pairs if they made the same choice, and neither does if they split; the pair is
 * noted for agreement. A first vote still alone after {@code secondVoteWait} (wall clock) is released
 * and makes its pair by itself; a second vote after that only counts for agreement; later votes on
 * the comparison make nothing;</li>
 * <li>every other vote makes its pair as it always did (A or B only).</li>
 * </ul>
 * Its store is written in the same exactly-once transaction as the pairs, so a restart neither loses
 * a held vote nor emits a pair twice.
 */
final class PairGate implements Processor<String, JudgedVote, String, GateOutcome> {
    static final String STORE = "pair-gate";

    private final Duration secondVoteWait;
    private ProcessorContext<String, GateOutcome> context;
    private KeyValueStore<String, HeldVote> held;

    PairGate(Duration secondVoteWait) {
        this.secondVoteWait = secondVoteWait;
    }

    @Override
    public void init(ProcessorContext<String, GateOutcome> context) {
        this.context = context;
        this.held = context.getStateStore(STORE);
        Duration every = secondVoteWait.dividedBy(4);
        if (every.compareTo(Duration.ofSeconds(10)) > 0) every = Duration.ofSeconds(10);
        if (every.compareTo(Duration.ofMillis(100)) < 0) every = Duration.ofMillis(100);
        context.schedule(every, PunctuationType.WALL_CLOCK_TIME, this::releaseExpired);
    }

    @Override
    public void process(Record<String, JudgedVote> record) {
        JudgedVote vote = record.value();
        String comparisonId = record.key();
        if (vote.gold()) {
            forward(comparisonId, new GateOutcome(List.of(), QualityNote.gold(vote.cast().vote().rater(), vote.choseReference())), record.timestamp());
            return;
        }
        if (!vote.shownTwice()) {
            forward(comparisonId, new GateOutcome(vote.pair().stream().toList(), null), record.timestamp());
            return;
        }
        HeldVote before = held.get(comparisonId);
        if (before == null) {
            held.put(comparisonId, new HeldVote(vote, context.currentSystemTimeMs(), false, false));
            return;
        }
        if (before.decided()) return;
        JudgedVote first = before.first();
        List<dev.rlhfloop.contracts.PreferencePair> pairs = new ArrayList<>();
        if (!before.released() && first.cast().vote().choice() == vote.cast().vote().choice()) {
            first.pair().ifPresent(pairs::add);
            vote.pair().ifPresent(pairs::add);
        }
        held.put(comparisonId, HeldVote.DECIDED);
        forward(comparisonId, new GateOutcome(pairs, QualityNote.agreement(first, vote)), record.timestamp());
    }

    private void releaseExpired(long now) {
        List<KeyValue<String, HeldVote>> expired = new ArrayList<>();
        try (var all = held.all()) {
            all.forEachRemaining(kv -> {
                HeldVote h = kv.value;
                if (h.first() != null && !h.released() && !h.decided() && h.heldAt() + secondVoteWait.toMillis() <= now) expired.add(kv);
            });
        }
        for (KeyValue<String, HeldVote> kv : expired) {
            JudgedVote first = kv.value.first();
            held.put(kv.key, new HeldVote(first, kv.value.heldAt(), true, false));
            forward(kv.key, new GateOutcome(first.pair().stream().toList(), null), first.cast().vote().createdAt().toEpochMilli());
        }
    }

    private void forward(String comparisonId, GateOutcome outcome, long timestamp) {
        if (outcome.pairs().isEmpty() && outcome.note() == null) return;
        context.forward(new Record<>(comparisonId, outcome, timestamp));
    }
}
